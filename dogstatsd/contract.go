// Package dogstatsd is the DogStatsD side of slowroutes: the metric contract
// (names, units, tags, closed value sets), the datagram grammar, the client
// and the Emitter that turns Aggregates into datagrams.
package dogstatsd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
)

// Family groups the metrics one Lambda function emits.
type Family uint8

const (
	// FamilyTimeouts is what the harakiri function emits: timeouts, client
	// aborts, upstream failures, worker kills, listen-queue-full events.
	FamilyTimeouts Family = 1 << iota
	// FamilyRequests is what the slowlog function emits: requests, request
	// durations and slow requests, with their GraphQL operations.
	FamilyRequests
	// FamilyHealth is the pipeline's own health, which every emitter sends.
	FamilyHealth

	FamilyAll = FamilyTimeouts | FamilyRequests | FamilyHealth
)

// DefaultNamespace prefixes every metric name (with a dot).
const DefaultNamespace = "slowroutes"

// Tag keys of the contract.
const (
	TagRoute       = "route"
	TagMethod      = "method"
	TagOperation   = "graphql_operation"
	TagLogGroup    = "log_group"
	TagSource      = "source"
	TagStatusClass = "status_class"
	TagParser      = "parser"
	TagResult      = "result"
	TagReason      = "reason"
	TagInput       = "input"
	TagCap         = "cap"
)

// GlobalTags are put on every datagram by the DogStatsD client: the unified
// service tags (from DD_ENV, DD_SERVICE, DD_VERSION) and the configured
// static tags, whose keys are the user's.
var GlobalTags = []string{"env", "service", "version"}

// MaxTags is Datadog's limit of tags on one metric point.
const MaxTags = 100

// MaxStaticTags bounds the configured static tags, so that with the three
// unified service tags and the largest per-metric tag set (six) a point
// stays well within MaxTags.
const MaxStaticTags = 80

// Spec describes one metric of the DogStatsD contract. Every metric is a
// DogStatsD distribution ("|d"), counters included: through the Datadog
// Lambda Extension, counts and gauges sent by concurrent sandboxes with the
// same tags and timestamp overwrite each other, and histograms, sets and
// timers are dropped. A counter's value is the number of events of one
// context in one invocation; query it with sum, never count or avg.
type Spec struct {
	Name        string // without the namespace
	Unit        string
	Family      Family
	Counter     bool                // the value counts events: query with sum
	Tags        []string            // tag keys besides GlobalTags; route-level tags first
	Values      map[string][]string // the closed value sets of some tags
	Description string
}

var routeTags = []string{TagRoute, TagMethod, TagOperation, TagLogGroup}

func with(tags ...string) []string { return append(append([]string{}, routeTags...), tags...) }

// Closed value sets, named by the packages that define them.
var (
	timeoutSources = names(parse.TimeoutHarakiri, parse.NumTimeouts)
	failureSources = names(metrics.Failure(0), metrics.NumFailures)
	serverSources  = names(parse.FirstSource, parse.NumSources)
	statusClasses  = names(metrics.Class(0), metrics.NumClasses)
	parsers        = names(parse.Parser(0), parse.NumParsers)
	lineResults    = names(parse.Outcome(0), parse.NumOutcomes)
	lineReasons    = names(parse.NotMalformed+1, parse.NumMalformations)
	envelopeResult = names(metrics.EnvelopeResult(0), metrics.NumEnvelopeResults)
	envelopeReason = names(event.ReasonNone+1, event.NumReasons)
	inputs         = names(event.Input(1), event.NumInputs)
	caps           = []string{capRoute, capOperation, capContexts}
	methods        = route.Methods[:]
)

// Values of the cap tag of pipeline.cardinality_overflow.
const (
	capRoute     = "route"
	capOperation = "graphql_operation"
	capContexts  = "contexts"
)

// names lists the names of the values of an enumeration from first to just before end.
func names[E interface {
	~uint8
	String() string
}](first, end E) []string {
	var out []string
	for v := first; v < end; v++ {
		out = append(out, v.String())
	}
	return out
}

// Contract lists every metric slowroutes emits. docs/metrics.md and the
// monitors are checked against it.
var Contract = []Spec{
	{
		Name: "timeouts", Unit: "request", Family: FamilyTimeouts, Counter: true,
		Tags: with(TagSource), Values: map[string][]string{TagSource: timeoutSources, TagMethod: methods},
		Description: "requests cut by a timeout, by the mechanism that cut them; one request may be seen by several sources (nginx 504 and upstream timed out)",
	},
	{
		Name: "client_aborts", Unit: "request", Family: FamilyTimeouts, Counter: true,
		Tags: with(), Values: map[string][]string{TagMethod: methods},
		Description: "requests the client gave up on (status 499)",
	},
	{
		Name: "upstream_failures", Unit: "request", Family: FamilyTimeouts, Counter: true,
		Tags: with(TagSource), Values: map[string][]string{TagSource: failureSources, TagMethod: methods},
		Description: "requests nginx could not get an answer for (502 in the access log; upstream closed or refused in the error log)",
	},
	{
		Name: "worker_kills", Unit: "worker", Family: FamilyTimeouts, Counter: true,
		Tags: []string{TagLogGroup, TagSource}, Values: map[string][]string{TagSource: serverSources},
		Description: "workers killed by a signal (uWSGI DAMN ! worker ... killed by signal; gunicorn terminated due to signal 9)",
	},
	{
		Name: "listen_queue_full", Unit: "event", Family: FamilyTimeouts, Counter: true,
		Tags:        []string{TagLogGroup},
		Description: "uWSGI '*** uWSGI listen queue of socket ... full !!!' warnings",
	},
	{
		Name: "harakiri_banners", Unit: "event", Family: FamilyTimeouts, Counter: true,
		Tags:        []string{TagLogGroup},
		Description: "uWSGI '*** HARAKIRI ON WORKER' banners, every try included",
	},
	{
		Name: "harakiri_idle", Unit: "event", Family: FamilyTimeouts, Counter: true,
		Tags:        []string{TagLogGroup},
		Description: "harakiri episodes that named no request (the worker was killed between requests)",
	},
	{
		Name: "requests", Unit: "request", Family: FamilyRequests, Counter: true,
		Tags:        with(TagSource, TagStatusClass),
		Values:      map[string][]string{TagSource: serverSources, TagStatusClass: statusClasses, TagMethod: methods},
		Description: "finished requests by the server that logged them and status class; nginx and uWSGI both log a proxied request, so pick one source",
	},
	{
		Name: "request.duration_ms", Unit: "millisecond", Family: FamilyRequests,
		Tags: with(TagSource), Values: map[string][]string{TagSource: serverSources, TagMethod: methods},
		Description: "request duration as the server logged it (nginx $request_time, uWSGI msecs/micros, gunicorn %(D)s, app duration), one value per request",
	},
	{
		Name: "slow_requests", Unit: "request", Family: FamilyRequests, Counter: true,
		Tags: with(TagSource), Values: map[string][]string{TagSource: serverSources, TagMethod: methods},
		Description: "finished requests at least as long as the slow threshold",
	},
	{
		Name: "pipeline.lines", Unit: "line", Family: FamilyHealth, Counter: true,
		Tags:        []string{TagLogGroup, TagParser, TagResult, TagReason},
		Values:      map[string][]string{TagParser: parsers, TagResult: lineResults, TagReason: lineReasons},
		Description: "log lines read, by the parser that recognized them and the result; malformed lines by reason",
	},
	{
		Name: "pipeline.lag_ms", Unit: "millisecond", Family: FamilyHealth,
		Tags:        []string{TagLogGroup},
		Description: "age of the oldest log event that yielded a fact, when its batch was processed (CloudWatch Logs event timestamp to processing), one value per batch",
	},
	{
		Name: "pipeline.cardinality_overflow", Unit: "record", Family: FamilyHealth, Counter: true,
		Tags:        []string{TagLogGroup, TagCap},
		Values:      map[string][]string{TagCap: caps},
		Description: "records whose route or GraphQL operation the cardinality cap turned into 'overflow'; for cap:contexts, rows folded into route:overflow to bound the contexts of one batch",
	},
	{
		Name: "pipeline.log_group_tag_failures", Unit: "lookup", Family: FamilyHealth, Counter: true,
		Tags:        []string{TagLogGroup},
		Description: "reads of a log group's AWS tags that failed (permissions, throttling, time-out): that batch's metrics went out without them",
	},
	{
		Name: "pipeline.envelopes", Unit: "envelope", Family: FamilyHealth, Counter: true,
		Tags:        []string{TagInput, TagResult, TagReason, TagLogGroup},
		Values:      map[string][]string{TagInput: inputs, TagResult: envelopeResult, TagReason: envelopeReason},
		Description: "subscription deliveries (a Lambda event, a Kinesis record) by result; every rejected attempt counts, Lambda's retries included",
	},
}

// Lookup returns the spec of a metric name without the namespace.
func Lookup(name string) (Spec, bool) {
	for _, s := range Contract {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// HasTag reports whether the metric may carry tag key k (GlobalTags aside).
func (s Spec) HasTag(k string) bool {
	for _, t := range s.Tags {
		if t == k {
			return true
		}
	}
	return false
}

// AllowsValue reports whether v is a value the metric's tag k may take.
func (s Spec) AllowsValue(k, v string) bool {
	vals, closed := s.Values[k]
	if !closed {
		return true
	}
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

// Datagram is one parsed DogStatsD metric datagram.
type Datagram struct {
	Name  string
	Value float64
	Type  string
	Tags  []string
}

// Tag returns the value of the tag with key k, if present.
func (d Datagram) Tag(k string) (string, bool) {
	for _, t := range d.Tags {
		if key, v, ok := strings.Cut(t, ":"); ok && key == k {
			return v, true
		} else if !ok && t == k {
			return "", true
		}
	}
	return "", false
}

// ErrDatagram is the error of a datagram outside the grammar this package
// emits.
var ErrDatagram = errors.New("bad datagram")

// ParseDatagram checks one datagram against the DogStatsD grammar that
// slowroutes writes — `name:value|d` and an optional `|#tag,tag...` — and
// returns it parsed. Names are [A-Za-z][A-Za-z0-9_.]*; values are decimal
// numbers; every tag is a valid tag (internal/tag) and there are at most MaxTags.
func ParseDatagram(s string) (Datagram, error) {
	var d Datagram
	bad := func(why string) (Datagram, error) { return Datagram{}, fmt.Errorf("%w %q: %s", ErrDatagram, s, why) }
	if strings.ContainsAny(s, "\n\r\x00") {
		return bad("control character")
	}
	head, rest, ok := strings.Cut(s, "|")
	if !ok {
		return bad("no type")
	}
	name, val, ok := strings.Cut(head, ":")
	if !ok || !validName(name) {
		return bad("name")
	}
	if !validNumber(val) {
		return bad("value")
	}
	v, err := strconv.ParseFloat(val, 64)
	if err != nil {
		return bad("value")
	}
	d.Name, d.Value = name, v
	typ, rest, hasTags := strings.Cut(rest, "|")
	if typ != "d" {
		return bad("type is not d")
	}
	d.Type = typ
	if hasTags {
		tags, ok := strings.CutPrefix(rest, "#")
		if !ok || tags == "" || strings.Contains(tags, "|") {
			return bad("tags")
		}
		d.Tags = strings.Split(tags, ",")
		if len(d.Tags) > MaxTags {
			return bad("more than 100 tags")
		}
		for _, t := range d.Tags {
			if !tag.Valid(t) {
				return bad("tag " + strconv.Quote(t))
			}
		}
	}
	return d, nil
}

func validName(s string) bool {
	if s == "" || len(s) > tag.MaxLen || !isLetter(s[0]) || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func validNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	dot := false
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// ValidNamespace reports whether ns can prefix metric names.
func ValidNamespace(ns string) bool { return validName(ns) && len(ns) <= 100 }
