package parse

import (
	"testing"
	"time"
)

func TestUnixMilli(t *testing.T) {
	tests := []struct {
		layout TimeLayout
		text   string
		want   string // RFC 3339, "" for not ok
	}{
		{TimeCtime, "Sun Nov 22 23:30:33 2026", "2026-11-22T23:30:33Z"},
		{TimeCtime, "Mon Feb  2 01:02:03 2026", "2026-02-02T01:02:03Z"},
		{TimeCLF, "22/Nov/2026:23:30:34 +0000", "2026-11-22T23:30:34Z"},
		{TimeCLF, "22/Nov/2026:23:30:34 +0130", "2026-11-22T22:00:34Z"},
		{TimeNginxError, "2026/11/22 23:30:34", "2026-11-22T23:30:34Z"},
		{TimeGunicorn, "2026-11-22 23:31:08 -0500", "2026-11-23T04:31:08Z"},
		{TimeRFC3339, "2026-11-22T23:30:33+00:00", "2026-11-22T23:30:33Z"},
		{TimeRFC3339, "2024-02-29T12:00:00.250Z", "2024-02-29T12:00:00.25Z"},
		{TimeEpoch, "1795390237", "2026-11-22T23:30:37Z"},
		{TimeCLF, "22/Foo/2026:23:30:34 +0000", ""},
		{TimeCtime, "garbage", ""},
		{TimeNone, "", ""},
	}
	for _, tt := range tests {
		r := Record{TimeText: []byte(tt.text), TimeLayout: tt.layout}
		ms, ok := r.UnixMilli()
		if tt.want == "" {
			if ok {
				t.Errorf("%q: ok, want failure", tt.text)
			}
			continue
		}
		got := time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
		if !ok || got != tt.want {
			t.Errorf("%q: %s %v, want %s", tt.text, got, ok, tt.want)
		}
	}
}
