package capture

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Handler says how long the app's handler runs for a route, or for one
// GraphQL operation of a route. An empty GraphQLOperation matches any.
type Handler struct {
	Route            string
	GraphQLOperation string
	Time             time.Duration
}

// Scenario holds the server settings and handler times the rules need.
type Scenario struct {
	Harakiri         time.Duration            // uWSGI --harakiri
	GunicornTimeout  time.Duration            // gunicorn --timeout
	ReadTimeout      time.Duration            // nginx uwsgi_read_timeout, location /
	RouteReadTimeout map[string]time.Duration // nginx uwsgi_read_timeout where it differs, by route
	Handlers         []Handler                // handlers that are not fast
}

// DefaultScenario is the setup of testdata/capture (app.py, uwsgi.ini,
// nginx.conf.in, capture.sh).
func DefaultScenario() Scenario {
	const medium, slow = 2500 * time.Millisecond, 12 * time.Second
	return Scenario{
		Harakiri:        3 * time.Second,
		GunicornTimeout: 2 * time.Second,
		ReadTimeout:     30 * time.Second,
		RouteReadTimeout: map[string]time.Duration{
			"/reports/:id/export": time.Second,
			"/exports/:id/csv":    time.Second,
		},
		Handlers: []Handler{
			{Route: "/reports/:id/export", Time: medium},
			{Route: "/exports/:id/csv", Time: medium},
			{Route: "/search", Time: medium},
			{Route: "/slow/:id", Time: slow},
			{Route: "/graphql", GraphQLOperation: "SlowReport", Time: slow},
		},
	}
}

// HandlerTime is how long the app's handler runs for r (0 when fast).
func (sc Scenario) HandlerTime(r Request) time.Duration {
	for _, h := range sc.Handlers {
		if h.Route == r.Route && (h.GraphQLOperation == "" || h.GraphQLOperation == r.GraphQLOperation) {
			return h.Time
		}
	}
	return 0
}

func (sc Scenario) readTimeout(route string) time.Duration {
	if t, ok := sc.RouteReadTimeout[route]; ok {
		return t
	}
	return sc.ReadTimeout
}

// Key identifies one row of the per-route report.
type Key struct {
	Route            string `json:"route"`
	Method           string `json:"method"`
	GraphQLOperation string `json:"graphql_operation,omitempty"`
}

// RequestCounts counts request lines: uWSGI request-log lines, lines in one
// nginx access log, gunicorn access-log lines, app "request_finished" lines.
type RequestCounts struct {
	UWSGI    int `json:"uwsgi"`
	Nginx    int `json:"nginx"`
	Gunicorn int `json:"gunicorn"`
	App      int `json:"app"`
}

// TimeoutCounts counts timeouts: "HARAKIRI ON WORKER" blocks, nginx 504
// access lines, nginx "upstream timed out" error-log lines, gunicorn
// "WORKER TIMEOUT" lines.
type TimeoutCounts struct {
	UWSGIHarakiri         int `json:"uwsgi_harakiri"`
	Nginx504              int `json:"nginx_504"`
	NginxUpstreamTimeout  int `json:"nginx_upstream_timeout"`
	GunicornWorkerTimeout int `json:"gunicorn_worker_timeout"`
}

// Counts is what the logs must yield for one Key.
type Counts struct {
	Requests         RequestCounts `json:"requests"`
	Timeouts         TimeoutCounts `json:"timeouts"`
	ClientAborts     int           `json:"client_aborts"`     // nginx 499 access lines
	UpstreamFailures int           `json:"upstream_failures"` // nginx 502 access lines
}

// Add returns the field-by-field sum of c and d.
func (c Counts) Add(d Counts) Counts {
	c.Requests.UWSGI += d.Requests.UWSGI
	c.Requests.Nginx += d.Requests.Nginx
	c.Requests.Gunicorn += d.Requests.Gunicorn
	c.Requests.App += d.Requests.App
	c.Timeouts.UWSGIHarakiri += d.Timeouts.UWSGIHarakiri
	c.Timeouts.Nginx504 += d.Timeouts.Nginx504
	c.Timeouts.NginxUpstreamTimeout += d.Timeouts.NginxUpstreamTimeout
	c.Timeouts.GunicornWorkerTimeout += d.Timeouts.GunicornWorkerTimeout
	c.ClientAborts += d.ClientAborts
	c.UpstreamFailures += d.UpstreamFailures
	return c
}

// Expected maps each key to the counts the logs must yield for it.
type Expected map[Key]Counts

// Keys returns the keys sorted by route, method, then operation.
func (e Expected) Keys() []Key { return SortedKeys(e) }

// Total returns the sum over all keys.
func (e Expected) Total() Counts { return total(e) }

// Expect derives the per-key counts from the client record and the scenario
// rules (see the package documentation). It fails when a row is not what the
// rules predict for it, e.g. a handler longer than the harakiri that the
// client saw answered with 200: then either the capture or a rule is wrong.
func Expect(reqs []Request, sc Scenario) (Expected, error) {
	exp := Expected{}
	var errs []error
	for _, r := range reqs {
		c, err := expectOne(r, sc)
		if err != nil {
			errs = append(errs, fmt.Errorf("seq %d %s %s %s: %w", r.Seq, r.Target, r.Method, r.URI, err))
			continue
		}
		k := Key{Route: r.Route, Method: r.Method, GraphQLOperation: r.GraphQLOperation}
		exp[k] = exp[k].Add(c)
	}
	return exp, errors.Join(errs...)
}

func expectOne(r Request, sc Scenario) (Counts, error) {
	var c Counts
	h := sc.HandlerTime(r)
	switch r.Target {
	case TargetUWSGI, TargetUWSGILogdate:
		killed := h > sc.Harakiri
		c.Requests.Nginx = 1
		if killed {
			c.Timeouts.UWSGIHarakiri = 1
		} else {
			c.Requests.UWSGI = 1
			c.Requests.App = 1
		}
		rt := sc.readTimeout(r.Route)
		want := 200
		switch {
		case killed && sc.Harakiri < rt:
			want = 502
		case h > rt:
			want = 504
		}
		switch r.Outcome {
		case OutcomeClientAbort:
			c.ClientAborts = 1
			return c, nil
		case OutcomeResponse:
			if r.Status != want {
				return c, fmt.Errorf("client saw %d, the rules say %d", r.Status, want)
			}
		default:
			return c, fmt.Errorf("outcome %q through nginx is not covered by the rules", r.Outcome)
		}
		switch want {
		case 502:
			c.UpstreamFailures = 1
		case 504:
			c.Timeouts.Nginx504 = 1
			c.Timeouts.NginxUpstreamTimeout = 1
		}
		return c, nil
	case TargetGunicorn:
		if h > sc.GunicornTimeout {
			if r.Outcome != OutcomeClosed {
				return c, fmt.Errorf("client saw %s %d, the rules say the connection is closed by a worker timeout", r.Outcome, r.Status)
			}
			c.Timeouts.GunicornWorkerTimeout = 1
			return c, nil
		}
		if r.Outcome != OutcomeResponse || r.Status != 200 {
			return c, fmt.Errorf("client saw %s %d, the rules say 200", r.Outcome, r.Status)
		}
		c.Requests.Gunicorn = 1
		c.Requests.App = 1
		return c, nil
	}
	return c, fmt.Errorf("unknown target %q", r.Target)
}

// String formats e as an aligned text table, one key per line, then the total.
func (e Expected) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
	fmt.Fprintln(w, "route\tmethod\top\tuwsgi\tnginx\tgunicorn\tapp\tharakiri\t504\tupstream_timeout\tworker_timeout\t499\t502")
	row := func(k Key, c Counts) {
		op := k.GraphQLOperation
		if op == "" {
			op = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", k.Route, k.Method, op,
			c.Requests.UWSGI, c.Requests.Nginx, c.Requests.Gunicorn, c.Requests.App,
			c.Timeouts.UWSGIHarakiri, c.Timeouts.Nginx504, c.Timeouts.NginxUpstreamTimeout,
			c.Timeouts.GunicornWorkerTimeout, c.ClientAborts, c.UpstreamFailures)
	}
	for _, k := range e.Keys() {
		row(k, e[k])
	}
	row(Key{Route: "TOTAL", Method: "-"}, e.Total())
	w.Flush()
	return b.String()
}
