"""Media downloads: fetch the blob, then stream it in chunks."""

from core.http import Response
from media import storage

CHUNK = 256 * 1024
CHUNKS = 8


def download_original(req, sha):
    blob = storage.fetch_blob(sha, CHUNK * CHUNKS)
    return Response("200 OK", None, content_type="application/octet-stream",
                    stream=_chunks(blob))


def _chunks(blob):
    for i in range(0, len(blob), CHUNK):
        yield blob[i:i + CHUNK]
