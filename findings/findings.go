// Package findings concludes, from the records the pipeline sees, what
// on-call should change: a proxy that gives up before the worker does
// (proxy_timeout_first), clients that ask again right after a timeout
// (retry_after_timeout), servers whose every worker was busy (saturation).
package findings

import (
	"hash/maphash"
	"slices"
	"sort"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// RetryWindow is how soon after a 504 or 499 the same client must ask for
// the same route again for the request to be a retry.
const RetryWindow = 60_000_000 // µs

// timeSlackUS forgives access logs their one-second time resolution: a
// retry sent right after a 504 may appear to start before it ended.
const timeSlackUS = 1_000_000

const (
	maxProxySamples  = 32
	maxLongDurations = 128
	// longUS is the shortest worker-side duration kept: no proxy timeout
	// is shorter.
	longUS      = 250_000
	maxClients  = 1 << 14
	maxKillTime = 256
)

// worker-side sources of a route's durations, told apart so that one
// request logged by the server and by the app counts once.
const (
	srcUWSGI = iota
	srcGunicorn
	srcApp
	numSrc
)

// Tracker accumulates what findings need across batches: it lives as long
// as the pipeline. Not safe for concurrent use.
type Tracker struct {
	routes map[*metrics.Row]*routeFacts
	// harakiriS is the fewest whole seconds from a request's start to its
	// harakiri kill (0: none seen); gunicornUS the durations of requests
	// gunicorn's arbiter killed, and gunicornMed their median, kept as they
	// come: every 504 compares with it, and kills are far fewer.
	harakiriS   int64
	gunicornUS  []int64
	gunicornMed int64
	clients     map[uint64]int64 // a client's latest request on a row, when it failed: its end
	addrs       map[uint64]int64 // the latest failure of each client address
	// failedBits has a bit set for every address in addrs (and some
	// more): most requests find theirs clear and skip the map.
	failedBits [64]uint64
	setBits    int
	nextID     uint64
	seed       maphash.Seed
	scratch    [maxKillTime]int64 // for medians, so that none allocates
}

type routeFacts struct {
	id       uint64 // tells rows apart in the retry keys
	proxy504 int64
	samples  []int64 // $request_time of 504s, µs
	proxyMed int64   // their median
	server   parse.Source
	long     [numSrc]longDurations
}

type longDurations struct {
	kept  []int64
	count int64
}

// New returns an empty Tracker.
func New() *Tracker {
	return &Tracker{routes: map[*metrics.Row]*routeFacts{}, clients: map[uint64]int64{}, addrs: map[uint64]int64{}, seed: maphash.MakeSeed()}
}

// Wants reports whether Observe does anything with rec: a cheap test the
// caller makes for every record.
func Wants(rec *parse.Record) bool {
	return rec.Kind == parse.KindTimeout || rec.Kind == parse.KindRequest &&
		(len(rec.ClientAddr) > 0 || rec.DurationUS >= longUS)
}

// Observe reads one record of a stream (stream tells streams apart)
// counted on row.
func (t *Tracker) Observe(rec *parse.Record, row *metrics.Row, stream uint64) {
	switch rec.Kind {
	case parse.KindRequest:
		t.request(rec, row, stream)
	case parse.KindTimeout:
		switch rec.Timeout {
		case parse.TimeoutHarakiri:
			if rec.StartUS > 0 && rec.TimeUS >= rec.StartUS {
				s := rec.TimeUS/1_000_000 - rec.StartUS/1_000_000
				if t.harakiriS == 0 || s < t.harakiriS {
					t.harakiriS = s
				}
				f := t.facts(row)
				f.server = parse.SourceUWSGI
				f.long[srcUWSGI].add(rec.TimeUS - rec.StartUS)
			}
		case parse.TimeoutGunicornWorker:
			f := t.facts(row)
			f.server = parse.SourceGunicorn
			if rec.HasDuration {
				// The dying worker's own line: it ran that long when the
				// arbiter killed it.
				f.long[srcGunicorn].add(rec.DurationUS)
				if len(t.gunicornUS) < maxKillTime {
					if t.gunicornUS == nil {
						t.gunicornUS = make([]int64, 0, maxKillTime)
					}
					t.gunicornUS = append(t.gunicornUS, rec.DurationUS)
					t.gunicornMed = t.median(t.gunicornUS)
				}
			}
		}
	}
}

func (t *Tracker) request(rec *parse.Record, row *metrics.Row, stream uint64) {
	if rec.Source == parse.SourceNginx && rec.Status == 504 {
		f := t.facts(row)
		f.proxy504++
		if rec.HasDuration && len(f.samples) < maxProxySamples {
			if f.samples == nil {
				f.samples = make([]int64, 0, maxProxySamples)
			}
			f.samples = append(f.samples, rec.DurationUS)
			f.proxyMed = t.median(f.samples)
		}
		if p, w := t.timeouts(f); p > 0 && w > 0 && p < w {
			row.Findings[metrics.FindingProxyTimeoutFirst]++
		}
	}
	if rec.HasDuration && rec.DurationUS >= longUS && rec.Source != parse.SourceNginx {
		src := srcApp
		switch rec.Source {
		case parse.SourceUWSGI:
			src = srcUWSGI
		case parse.SourceGunicorn:
			src = srcGunicorn
		}
		f := t.facts(row)
		f.long[src].add(rec.DurationUS)
		if rec.Source != parse.SourceApp {
			f.server = rec.Source
		}
	}
	if len(rec.ClientAddr) > 0 && rec.TimeUS > 0 {
		// Only failures are kept, so that without a recent 504 or 499 a
		// request costs nothing here.
		if failed := rec.Status == 504 || rec.Status == 499; failed || len(t.addrs) > 0 {
			t.retry(rec, row, stream, failed)
		}
	}
}

// retry counts a request that repeats, within RetryWindow, a 504 or 499
// of the same client (address and user agent) on the same row and stream:
// the client's latest request there, which is all the map keeps.
func (t *Tracker) retry(rec *parse.Record, row *metrics.Row, stream uint64, failed bool) {
	start := rec.StartUS
	if start == 0 {
		start = rec.TimeUS
	}
	addr := maphash.Bytes(t.seed, rec.ClientAddr)
	if !failed {
		// Most addresses had no failure in the last minute: one short hash.
		if t.failedBits[addr>>58]&(1<<(addr&63)) == 0 {
			return
		}
		if end, ok := t.addrs[addr]; !ok || start-end > RetryWindow {
			return
		}
	}
	agent := rec.UserAgent
	if len(agent) == 0 {
		return
	}
	key := addr*31 ^ maphash.Bytes(t.seed, agent) ^ t.facts(row).id*0x9e3779b97f4a7c15 ^ stream*0xc2b2ae3d27d4eb4f
	if last, ok := t.clients[key]; ok {
		if start >= last-timeSlackUS && start-last <= RetryWindow {
			row.Findings[metrics.FindingRetryAfterTimeout]++
		}
		if !failed {
			delete(t.clients, key)
		}
	}
	if !failed {
		return
	}
	if len(t.clients) >= maxClients {
		for k, end := range t.clients {
			if rec.TimeUS-end > RetryWindow {
				delete(t.clients, k)
			}
		}
		for a, end := range t.addrs {
			if rec.TimeUS-end > RetryWindow {
				delete(t.addrs, a)
			}
		}
		if len(t.clients) >= maxClients {
			clear(t.clients)
			clear(t.addrs)
		}
	}
	t.clients[key] = rec.TimeUS
	t.addrs[addr] = max(t.addrs[addr], rec.TimeUS)
	if t.setBits++; t.setBits > len(t.failedBits)*64/4 {
		t.refreshBits(rec.TimeUS)
	}
	t.failedBits[addr>>58] |= 1 << (addr & 63)
}

// refreshBits forgets the addresses whose last failure is over a minute
// old and sets the bits of the others afresh.
func (t *Tracker) refreshBits(nowUS int64) {
	t.failedBits, t.setBits = [len(t.failedBits)]uint64{}, 0
	for a, end := range t.addrs {
		if nowUS-end > RetryWindow {
			delete(t.addrs, a)
			continue
		}
		t.failedBits[a>>58] |= 1 << (a & 63)
		t.setBits++
	}
}

func (t *Tracker) facts(row *metrics.Row) *routeFacts {
	f := t.routes[row]
	if f == nil {
		t.nextID++
		f = &routeFacts{id: t.nextID}
		t.routes[row] = f
	}
	return f
}

func (l *longDurations) add(us int64) {
	l.count++
	if len(l.kept) < maxLongDurations {
		if l.kept == nil {
			l.kept = make([]int64, 0, maxLongDurations)
		}
		l.kept = append(l.kept, us)
	}
}

// excess is the time the durations ran past p, scaled up when more were
// seen than kept.
func (l *longDurations) excess(p int64) float64 {
	var sum int64
	for _, d := range l.kept {
		if d > p {
			sum += d - p
		}
	}
	if len(l.kept) == 0 {
		return 0
	}
	return float64(sum) * float64(l.count) / float64(len(l.kept))
}

// timeouts returns the route's proxy timeout (the median $request_time of
// its 504s) and the worker timeout of its server, in µs; 0 when unknown.
func (t *Tracker) timeouts(f *routeFacts) (proxy, worker int64) {
	proxy = f.proxyMed
	harakiri := int64(0)
	if t.harakiriS > 1 {
		// uWSGI 2.0 kills at the master's first once-a-second check after
		// start second + harakiri (core/master_checks.c): the fewest
		// seconds from "since" to the kill are harakiri + 1.
		harakiri = (t.harakiriS - 1) * 1_000_000
	}
	gunicorn := t.gunicornMed
	switch {
	case f.server == parse.SourceUWSGI:
		worker = harakiri
	case f.server == parse.SourceGunicorn:
		worker = gunicorn
	case harakiri > 0 && gunicorn > 0:
		worker = min(harakiri, gunicorn)
	default:
		worker = max(harakiri, gunicorn)
	}
	return proxy, worker
}

func (t *Tracker) median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := t.scratch[:copy(t.scratch[:], v)]
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Findings appends what the records so far show, route findings worst
// first, then saturated streams.
func (t *Tracker) Findings(agg *metrics.Aggregates, dst []metrics.Finding) []metrics.Finding {
	start := len(dst)
	for row, f := range t.routes {
		p, w := t.timeouts(f)
		if f.proxy504 == 0 || p == 0 || w == 0 || p >= w {
			continue
		}
		var after float64
		for i := range f.long {
			after = max(after, f.long[i].excess(p))
		}
		dst = append(dst, metrics.Finding{Kind: metrics.FindingProxyTimeoutFirst, Key: row.Key,
			ProxyTimeoutMS: float64(p) / 1000, WorkerTimeoutMS: float64(w) / 1000,
			Requests: f.proxy504, WorkerSecondsAfterProxy: after / 1e6})
	}
	agg.EachRow(func(r *metrics.Row) {
		if n := r.Findings[metrics.FindingRetryAfterTimeout]; n > 0 {
			dst = append(dst, metrics.Finding{Kind: metrics.FindingRetryAfterTimeout, Key: r.Key, Requests: n})
		}
	})
	sortFindings(dst[start:])
	sat := len(dst)
	agg.EachStreamWorkers(func(w *metrics.StreamWorkers) {
		if w.SaturatedUS == 0 && w.ListenQueueFull == 0 {
			return
		}
		fd := metrics.Finding{Kind: metrics.FindingSaturation, Stream: w.Stream,
			SaturatedSeconds: float64(w.SaturatedUS) / 1e6, ListenQueueFull: w.ListenQueueFull}
		for _, h := range w.Holders {
			fd.Requests += h.Requests
			fd.Holders = append(fd.Holders, metrics.Holder{Key: h.Row.Key, Requests: h.Requests, WorkerSeconds: float64(h.US) / 1e6})
		}
		sort.Slice(fd.Holders, func(i, j int) bool {
			a, b := fd.Holders[i], fd.Holders[j]
			if a.WorkerSeconds != b.WorkerSeconds {
				return a.WorkerSeconds > b.WorkerSeconds
			}
			return keyLess(a.Key, b.Key)
		})
		dst = append(dst, fd)
	})
	sortFindings(dst[sat:]) // streams come in no particular order
	return dst
}

func sortFindings(f []metrics.Finding) {
	sort.Slice(f, func(i, j int) bool {
		a, b := f[i], f[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Requests != b.Requests {
			return a.Requests > b.Requests
		}
		if a.Key != b.Key {
			return keyLess(a.Key, b.Key)
		}
		return a.Stream < b.Stream
	})
}

func keyLess(a, b metrics.Key) bool {
	if a.Route != b.Route {
		return a.Route < b.Route
	}
	if a.Method != b.Method {
		return a.Method < b.Method
	}
	return a.Operation < b.Operation
}
