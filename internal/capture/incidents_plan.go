package capture

// The design of the incident capture (testdata/capture/incidents): the
// setups, the servers' timeouts and what the app's slow handlers do. These
// are the facts the client record does not hold; TestIncidentPlanMatchesSetup
// keeps them in line with the scripts, configurations and app files.

import (
	"net/url"
	"strings"
	"time"
)

// Kinds of incident setups.
const (
	IncidentKindUWSGI    = "uwsgi"
	IncidentKindGunicorn = "gunicorn"
)

// IncidentSetup is one setup of the incident capture, written into
// OUTDIR/Name/ by testdata/capture/incidents/setup.sh.
type IncidentSetup struct {
	Name string // KIND-VARIANT, e.g. "uwsgi-ids"
	Kind string // IncidentKindUWSGI or IncidentKindGunicorn
	IDs  bool   // every server logs the X-Request-ID ("ids"), or none does ("noids")
}

// IncidentSetups lists the setups of a full capture, in the order capture.sh
// runs them.
func IncidentSetups() []IncidentSetup {
	return []IncidentSetup{
		{Name: "uwsgi-ids", Kind: IncidentKindUWSGI, IDs: true},
		{Name: "gunicorn-ids", Kind: IncidentKindGunicorn, IDs: true},
		{Name: "uwsgi-noids", Kind: IncidentKindUWSGI},
		{Name: "gunicorn-noids", Kind: IncidentKindGunicorn},
	}
}

// Frame is a stack frame as a dump names it: the file (a path suffix, such
// as "billing/pdf.py" for an app file or "socket.py" for the standard
// library) and the function.
type Frame struct {
	File     string
	Function string
}

func (f Frame) String() string { return f.File + ":" + f.Function }

// Matches reports whether a dump's frame (full path, function) is f.
func (f Frame) Matches(path, function string) bool {
	return function == f.Function && (path == f.File || strings.HasSuffix(path, "/"+f.File))
}

// IncidentHandler is a view of the app that is not fast.
type IncidentHandler struct {
	Route            string
	Method           string
	GraphQLOperation string // "" matches any
	QueryParam       string // "k=v": only requests whose query string has it
	Time             time.Duration
	Blocks           bool    // waits on a gateway that never answers (30 s socket timeout)
	Streams          bool    // then writes its body in 8 chunks of 256 KiB
	AppFrames        []Frame // outermost first: the view, then the helper it is stuck in
	LibFrames        []Frame // standard-library frames below the app, outermost first
}

// StuckApp is the innermost app frame of the handler while it is slow.
func (h IncidentHandler) StuckApp() Frame { return h.AppFrames[len(h.AppFrames)-1] }

// Stuck is the innermost frame of all while the handler is slow (time.sleep
// is C code: no Python frame below the app's).
func (h IncidentHandler) Stuck() Frame {
	if len(h.LibFrames) > 0 {
		return h.LibFrames[len(h.LibFrames)-1]
	}
	return h.StuckApp()
}

func (h IncidentHandler) matches(r IncidentRequest) bool {
	if h.Route != r.Route || h.Method != r.Method {
		return false
	}
	if h.GraphQLOperation != "" && h.GraphQLOperation != r.GraphQLOperation {
		return false
	}
	if h.QueryParam != "" {
		k, v, _ := strings.Cut(h.QueryParam, "=")
		_, q, _ := strings.Cut(r.URI, "?")
		vals, err := url.ParseQuery(q)
		if err != nil || vals.Get(k) != v {
			return false
		}
	}
	return true
}

// IncidentHandlers are the slow views of testdata/capture/incidents/app
// (core/urls.py lists them with their times).
func IncidentHandlers() []IncidentHandler {
	return []IncidentHandler{
		{Route: "/invoices/:id/pdf", Method: "GET", QueryParam: "regenerate=1", Time: 12 * time.Second,
			AppFrames: []Frame{{"billing/views.py", "render_invoice_pdf"}, {"billing/pdf.py", "rasterize_pages"}}},
		{Route: "/api/v1/payments/:id/capture", Method: "POST", Time: 30 * time.Second, Blocks: true,
			AppFrames: []Frame{{"payments/views.py", "capture_payment"}, {"payments/gateway.py", "charge_card"}},
			LibFrames: []Frame{{"http/client.py", "getresponse"}, {"http/client.py", "begin"},
				{"http/client.py", "_read_status"}, {"socket.py", "readinto"}}},
		{Route: "/reports/:id/export", Method: "GET", Time: 2 * time.Second,
			AppFrames: []Frame{{"reports/views.py", "export_report"}, {"reports/queries.py", "run_aggregate"}}},
		{Route: "/exports/:id/csv", Method: "GET", Time: 12 * time.Second,
			AppFrames: []Frame{{"reports/views.py", "export_csv"}, {"reports/queries.py", "stream_rows"}}},
		{Route: "/graphql", Method: "POST", GraphQLOperation: "SlowReport", Time: 12 * time.Second,
			AppFrames: []Frame{{"api/views.py", "graphql"}, {"reports/queries.py", "build_yearly_report"}}},
		{Route: "/media/:id/download", Method: "GET", Time: 1500 * time.Millisecond, Streams: true,
			AppFrames: []Frame{{"media/views.py", "download_original"}, {"media/storage.py", "fetch_blob"}}},
		{Route: "/accounts/:id/statement", Method: "GET", QueryParam: "full=1", Time: 2 * time.Second,
			AppFrames: []Frame{{"accounts/views.py", "statement"}, {"accounts/ledger.py", "sum_entries"}}},
		{Route: "/accounts/:id/statement", Method: "GET", Time: 600 * time.Millisecond,
			AppFrames: []Frame{{"accounts/views.py", "statement"}, {"accounts/ledger.py", "sum_entries"}}},
	}
}

// IncidentServers holds the timeouts of one kind of setup.
type IncidentServers struct {
	Kind string
	// Harakiri is uWSGI's harakiri (uwsgi.ini). The 2.0.21 master kills at
	// its first once-a-second check with now > start second + harakiri:
	// between Harakiri and Harakiri+2s after the request started.
	Harakiri time.Duration
	// WorkerTimeout is gunicorn's --timeout. The arbiter aborts a worker
	// whose last check-in is older than it; a sync worker checks in before
	// it waits for a request and every WorkerTimeout/2 while idle, and the
	// arbiter looks once a second: between WorkerTimeout/2 and
	// WorkerTimeout+1s after the request started.
	WorkerTimeout time.Duration
	// ReadTimeout is nginx's uwsgi_read_timeout / proxy_read_timeout of
	// "location /"; RouteReadTimeouts those of the locations for route
	// prefixes.
	ReadTimeout       time.Duration
	RouteReadTimeouts map[string]time.Duration
	// DumpLater is the app's faulthandler.dump_traceback_later per request
	// (INCIDENTS_DUMP_LATER), 0 when off.
	DumpLater time.Duration
	// Listen is uWSGI's listen backlog (0 for gunicorn's default).
	Listen int
}

// IncidentServersFor returns the timeouts of a kind of setup (setup.sh,
// uwsgi.ini, nginx-uwsgi.conf.in, nginx-gunicorn.conf.in).
func IncidentServersFor(kind string) IncidentServers {
	// nginx has the same read timeouts in front of either server.
	s := IncidentServers{
		Kind:        IncidentKindUWSGI,
		ReadTimeout: 20 * time.Second,
		RouteReadTimeouts: map[string]time.Duration{
			"/reports/": time.Second,
			"/exports/": 2 * time.Second,
		},
	}
	if kind == IncidentKindGunicorn {
		s.Kind, s.WorkerTimeout = kind, 6*time.Second
		return s
	}
	s.Harakiri, s.DumpLater, s.Listen = 3*time.Second, time.Second, 2
	return s
}

// ReadTimeoutFor is nginx's read timeout for a route.
func (s IncidentServers) ReadTimeoutFor(route string) time.Duration {
	for prefix, t := range s.RouteReadTimeouts {
		if strings.HasPrefix(route, prefix) {
			return t
		}
	}
	return s.ReadTimeout
}

// KillWindow is when, after a request started, the server kills a worker
// still busy with it: never before lo, always by hi.
func (s IncidentServers) KillWindow() (lo, hi time.Duration) {
	if s.Kind == IncidentKindGunicorn {
		return s.WorkerTimeout / 2, s.WorkerTimeout + time.Second
	}
	return s.Harakiri, s.Harakiri + 2*time.Second
}
