package metrics

import "github.com/slowroutes/slowroutes/parse"

// FindingKind is what on-call should change: each kind is counted per row
// (the requests that show it) and described in Aggregates.Findings.
type FindingKind uint8

const (
	// FindingProxyTimeoutFirst: the proxy gave up (504) before the worker's
	// own timeout, so the worker ran on for nobody.
	FindingProxyTimeoutFirst FindingKind = iota
	// FindingRetryAfterTimeout: the same client asked for the route again
	// soon after a 504 or 499 on it.
	FindingRetryAfterTimeout
	// FindingSaturation: requests that held a worker while every worker of
	// the server was busy.
	FindingSaturation
	NumFindingKinds
)

var findingNames = [NumFindingKinds]string{"proxy_timeout_first", "retry_after_timeout", "saturation"}

func (k FindingKind) String() string { return findingNames[k] }

// Finding is one thing on-call should change, with its numbers. Route
// findings name a row; saturation names a stream and the rows that held
// its workers.
type Finding struct {
	Kind                    FindingKind
	Key                     // the row; empty for a saturation finding
	Stream                  string
	ProxyTimeoutMS          float64 // the proxy's effective timeout on the route (its 504s' $request_time)
	WorkerTimeoutMS         float64 // the worker's (harakiri, gunicorn --timeout) as the kills show it
	Requests                int64
	WorkerSecondsAfterProxy float64
	SaturatedSeconds        float64
	ListenQueueFull         int64
	Holders                 []Holder // saturation: the rows whose requests held the workers
}

// Holder is a row whose requests held workers while a server was saturated.
type Holder struct {
	Key
	Requests      int64
	WorkerSeconds float64
}

// MaxBusyLevels bounds the busy-worker counts told apart; the last level
// holds that many or more.
const MaxBusyLevels = 257

// StreamWorkers holds the worker facts of one server stream (a uWSGI or
// gunicorn log): how many workers it runs, how many were busy and for how
// long, how often its listen queue was full, how many were killed.
type StreamWorkers struct {
	Stream string
	Server parse.Source
	// Workers is the number of worker processes the stream shows (uWSGI
	// "spawned uWSGI worker", gunicorn "Booting worker"); 0 when unknown.
	Workers int
	// BusyMax is the most workers busy at once; BusyUS the time spent with
	// each number of workers busy; SaturatedUS the time all were.
	BusyMax     int
	BusyUS      [MaxBusyLevels]int64
	SaturatedUS int64
	// ListenQueueFull counts uWSGI's "listen queue ... full" warnings,
	// Kills the workers killed by a signal, Respawns the workers started
	// after the first ones.
	ListenQueueFull, Kills, Respawns int64
	// Windows holds, for each 10 s window settled since the last Reset, the
	// most workers busy at once in it.
	Windows []int32
	// Holders are the rows whose requests held workers while all were busy.
	Holders []HolderTime

	live bool
}

// HolderTime is the time a row's requests held workers of a saturated server.
type HolderTime struct {
	Row      *Row
	Requests int64
	US       int64
}

// BusyQuantile is the busy-worker count the stream stayed at or below for
// a share q of the time it was observed.
func (w *StreamWorkers) BusyQuantile(q float64) int {
	var total int64
	for _, us := range w.BusyUS {
		total += us
	}
	if total == 0 {
		return 0
	}
	var acc int64
	for n, us := range w.BusyUS {
		acc += us
		if float64(acc) >= q*float64(total) {
			return n
		}
	}
	return MaxBusyLevels - 1
}

// Hold adds the time requests of row (that many new ones) held a worker
// while the server was saturated.
func (w *StreamWorkers) Hold(row *Row, requests, us int64) {
	for i := range w.Holders {
		if h := &w.Holders[i]; h.Row == row {
			h.Requests += requests
			h.US += us
			return
		}
	}
	w.Holders = append(w.Holders, HolderTime{Row: row, Requests: requests, US: us})
}

// StreamWorkers returns the worker facts of a stream, creating them on
// first use; they are kept, emptied, across Reset.
func (a *Aggregates) StreamWorkers(stream string) *StreamWorkers {
	w := a.workers[stream]
	if w == nil {
		if a.workers == nil {
			a.workers = map[string]*StreamWorkers{}
		}
		w = &StreamWorkers{Stream: stream}
		a.workers[stream] = w
	}
	a.Keep(w)
	return w
}

// EachStreamWorkers calls fn for the worker facts of every stream that has
// some since the last Reset, in the order they were first seen.
func (a *Aggregates) EachStreamWorkers(fn func(*StreamWorkers)) {
	for _, w := range a.liveWorkers {
		fn(w)
	}
}

// resetWhy forgets the stuck, worker and finding facts of a batch.
func (a *Aggregates) resetWhy() {
	for i, w := range a.liveWorkers {
		*w = StreamWorkers{Stream: w.Stream, Server: w.Server, Workers: w.Workers,
			Windows: w.Windows[:0], Holders: w.Holders[:0]}
		a.liveWorkers[i] = nil
	}
	a.liveWorkers = a.liveWorkers[:0]
	a.Findings = a.Findings[:0]
}

// Keep marks w, which StreamWorkers returned before a Reset, as having
// facts in this batch.
func (a *Aggregates) Keep(w *StreamWorkers) {
	if !w.live {
		w.live = true
		a.liveWorkers = append(a.liveWorkers, w)
	}
}

// mergeWorkers adds the worker facts of o's streams to a's; the rows that
// held saturated workers are a's rows of the same keys.
func (a *Aggregates) mergeWorkers(o *Aggregates) {
	for _, ow := range o.liveWorkers {
		w := a.StreamWorkers(ow.Stream)
		w.Server = ow.Server
		w.Workers = max(w.Workers, ow.Workers)
		w.BusyMax = max(w.BusyMax, ow.BusyMax)
		for n, us := range ow.BusyUS {
			w.BusyUS[n] += us
		}
		w.SaturatedUS += ow.SaturatedUS
		w.ListenQueueFull += ow.ListenQueueFull
		w.Kills += ow.Kills
		w.Respawns += ow.Respawns
		w.Windows = append(w.Windows, ow.Windows...)
		for _, h := range ow.Holders {
			r := a.Row([]byte(h.Row.Route), []byte(h.Row.Method), []byte(h.Row.Operation))
			w.Hold(r, h.Requests, h.US)
		}
	}
}
