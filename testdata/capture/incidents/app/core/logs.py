"""One JSON object per line on stderr, as apps with a JSON log formatter write."""

import json
import sys


def log_event(fields):
    sys.stderr.write(json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stderr.flush()
