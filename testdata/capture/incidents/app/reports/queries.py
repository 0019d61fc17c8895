"""Report queries; the sleeps stand for slow database work."""

import time

AGGREGATE_SECONDS = 2.0
CSV_SECONDS = 12.0
YEARLY_SECONDS = 12.0


def run_aggregate(report_id):
    time.sleep(AGGREGATE_SECONDS)
    return [{"id": report_id, "total": 42}]


def stream_rows(export_id):
    time.sleep(CSV_SECONDS)
    return b"id,total\n%d,42\n" % export_id


def build_yearly_report(year):
    time.sleep(YEARLY_SECONDS)
    return {"report": {"year": year, "rows": []}}
