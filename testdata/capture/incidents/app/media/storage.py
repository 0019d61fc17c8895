"""Blob storage; the sleep stands for a slow object-store read."""

import time

FETCH_SECONDS = 1.5


def fetch_blob(sha, size):
    time.sleep(FETCH_SECONDS)
    return (sha.encode() * (size // len(sha) + 1))[:size]
