"""Ledger queries; the sleep stands for a slow database query."""

import time

SUM_SECONDS = 0.6
FULL_SUM_SECONDS = 2.0  # ?full=1: every entry since the account was opened


def sum_entries(account_id, full=False):
    time.sleep(FULL_SUM_SECONDS if full else SUM_SECONDS)
    return 1000 + account_id
