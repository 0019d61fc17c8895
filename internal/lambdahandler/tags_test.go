package lambdahandler

import (
	"context"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/loggrouptags"
)

// fakeTagger answers per log group; a missing group is a failed read.
type fakeTagger struct {
	tags  map[string][]string
	stats loggrouptags.Stats
	owner string
}

func (f *fakeTagger) Tags(_ context.Context, owner, logGroup string) []string {
	f.owner = owner
	t, ok := f.tags[logGroup]
	if !ok {
		f.stats.Failures++
	}
	return t
}

func (f *fakeTagger) Stats() loggrouptags.Stats { return f.stats }

func TestLogGroupTags(t *testing.T) {
	names, evs := fixtureEvents(t)
	tagger := &fakeTagger{tags: map[string][]string{"/web/uwsgi": {"service:shop", "team:payments"}}}
	h, cp := testHandler(t, dogstatsd.FamilyAll, Options{LogGroupTags: tagger})
	for _, n := range names {
		if _, err := invoke(t, h, evs[n]); err != nil {
			t.Fatal(err)
		}
	}
	got := cp.take()
	checkDatagrams(t, dogstatsd.DefaultNamespace, got)
	if tagger.owner == "" {
		t.Error("the owner account of the payload was not passed")
	}
	var tagged, untagged, failures float64
	for _, l := range got {
		d, err := dogstatsd.ParseDatagram(l)
		if err != nil {
			t.Fatal(err)
		}
		has := strings.Contains(l, "service:shop") && strings.Contains(l, "team:payments")
		switch {
		case d.Name == "slowroutes.pipeline.log_group_tag_failures":
			failures += d.Value
		case strings.Contains(l, "log_group:/web/uwsgi") && d.Name != "slowroutes.pipeline.envelopes":
			if has {
				tagged++
			} else {
				untagged++
			}
		case has && strings.Contains(l, "log_group:"):
			// The per-deployment metrics carry the log group's own tags but
			// no log_group: only those that name a log group can be checked.
			t.Errorf("another log group's datagram got /web/uwsgi's tags: %s", l)
		}
	}
	if tagged == 0 || untagged != 0 {
		t.Errorf("/web/uwsgi datagrams: %v with its tags, %v without", tagged, untagged)
	}
	// Every other log group's batches failed to read (not in the fake) and were still emitted.
	if failures == 0 {
		t.Error("failed tag reads were not counted")
	}
	if n := sum(t, got, "timeouts", "source:uwsgi_harakiri", "service:shop"); n != 6 {
		t.Errorf("harakiri timeouts tagged service:shop = %v, want 6", n)
	}
}
