// Package pipeline runs log lines through parsing, route normalization and
// aggregation: the one path that the CLI and the Lambda functions share. It
// owns the log streams (their names, their multi-line state, which of them
// to forget) and splits log event messages into lines.
package pipeline

import (
	"bytes"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/owners"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
)

// Config configures a Pipeline. The zero value is usable: it means the defaults.
type Config struct {
	Parse parse.Config
	// Routes, when set, gives matching paths their template route.
	Routes *route.Table
	// MaxRoutes caps distinct routes (default route.DefaultMaxRoutes).
	MaxRoutes int
	// MaxOperations caps distinct GraphQL operation names (default DefaultMaxOperations).
	MaxOperations int
	// GraphQLPaths are the routes whose requests carry GraphQL operations (default DefaultGraphQLPath).
	GraphQLPaths []string
	// SlowUS is the slow-request threshold in microseconds (default metrics.DefaultSlowUS).
	SlowUS int64
	// KeepDurations keeps every request's duration in the Aggregates, for
	// an emitter that sends one value per request.
	KeepDurations bool
	// MaxStreams bounds the log streams whose multi-line state is kept:
	// past it, Evict settles the least recently used. 0: no bound.
	MaxStreams int
	// MaxFrames caps distinct stuck frames (default DefaultMaxFrames).
	MaxFrames int
	// Join, when set, joins the records of every stream into distinct
	// request outcomes (rows' Distinct counts): for a pipeline that sees
	// several servers' logs at once, read in log time order (Interleave).
	Join *join.Config
	// Owners, when set, gives each row the team that owns its route.
	Owners *owners.Routes
	// RequestSource is the server whose requests the metrics count
	// (metrics.Config.RequestSource); SourceUnknown: the outermost seen.
	RequestSource parse.Source
	// Timeline keeps per-minute counts for the report.
	Timeline bool
}

// Defaults of Config.
const (
	DefaultMaxOperations = 200
	DefaultGraphQLPath   = "/graphql"
	DefaultMaxFrames     = 200
)

// Pipeline turns the lines of any number of log streams into Aggregates.
// It is not safe for concurrent use.
type Pipeline struct {
	cfg      Config
	agg      *metrics.Aggregates
	streams  map[string]*Stream
	clock    uint64 // counts stream uses, for Evict
	routes   *route.Limiter
	ops      *route.Limiter
	graphql  [][]byte
	emit     func(*parse.Record)
	why      // stuck frames, workers, findings, the stream being read (why.go)
	join     *join.Joiner
	routeBuf []byte
	tmplBuf  []byte
	opBuf    []byte
	nameBuf  []byte
}

// New returns a Pipeline.
func New(cfg Config) *Pipeline {
	if cfg.MaxRoutes <= 0 {
		cfg.MaxRoutes = route.DefaultMaxRoutes
	}
	if cfg.MaxOperations <= 0 {
		cfg.MaxOperations = DefaultMaxOperations
	}
	if len(cfg.GraphQLPaths) == 0 {
		cfg.GraphQLPaths = []string{DefaultGraphQLPath}
	}
	if cfg.MaxFrames <= 0 {
		cfg.MaxFrames = DefaultMaxFrames
	}
	p := &Pipeline{
		cfg: cfg,
		agg: metrics.New(metrics.Config{SlowUS: cfg.SlowUS, KeepDurations: cfg.KeepDurations,
			RequestSource: cfg.RequestSource, Timeline: cfg.Timeline}),
		streams: map[string]*Stream{},
		routes:  route.NewLimiter(cfg.MaxRoutes),
		ops:     route.NewLimiter(cfg.MaxOperations),
	}
	for _, g := range cfg.GraphQLPaths {
		p.graphql = append(p.graphql, route.Normalize(nil, []byte(g)))
	}
	p.why = newWhy(cfg)
	p.emit = p.record
	if cfg.Join != nil {
		p.join = join.New(*cfg.Join, p.agg)
	}
	return p
}

// Aggregates returns what the pipeline has counted so far. A Lambda
// container resets them once it has emitted a batch; the stream state and
// the cardinality caps live on.
func (p *Pipeline) Aggregates() *metrics.Aggregates { return p.agg }

// Envelope counts one delivery.
func (p *Pipeline) Envelope(in event.Input, res metrics.EnvelopeResult, why event.Reason) {
	p.agg.Envelopes.Add(in, res, why)
}

// Line feeds one line of stream s that came in a log event of time
// eventMS (0 when unknown).
func (p *Pipeline) Line(s *Stream, line []byte, eventMS int64) {
	p.cur = s
	parser, outcome, why := s.s.Line(line, eventMS, p.emit)
	p.agg.Lines.Add(parser, outcome, why)
}

// Message feeds the message of one log event: a shipper may have joined
// several lines into one event, so it is split at newlines; a trailing
// newline adds no empty line, an empty message is one empty line.
func (p *Pipeline) Message(s *Stream, msg []byte, eventMS int64) {
	rest := msg
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		p.Line(s, rest[:i], eventMS)
		rest = rest[i+1:]
	}
	if len(rest) > 0 || len(msg) == 0 {
		p.Line(s, rest, eventMS)
	}
}

// LineTooLong counts a line that was not parsed because it was longer than
// the reader accepts.
func (p *Pipeline) LineTooLong() {
	p.agg.Lines.Add(parse.ParserNone, parse.Malformed, parse.TooLong)
}

func (p *Pipeline) record(rec *parse.Record) {
	p.tick(rec)
	var row *metrics.Row
	switch rec.Kind {
	case parse.KindRequest, parse.KindTimeout, parse.KindUpstreamFailure, parse.KindClientAbort:
		row = p.rowOf(rec)
		p.agg.Add(row, rec)
		if p.join != nil && rec.Kind != parse.KindClientAbort {
			p.join.Add(row, rec, uint32(p.cur.id), p.cur.clock)
		}
	case parse.KindStuck:
		row = p.rowOf(rec)
		p.agg.AddStuck(row, rec, p.frameOf(rec))
	case parse.KindRequestStart, parse.KindWorkerStart, parse.KindWorkerExit:
		// Only the stream needs a request start, to attribute a later worker
		// timeout; worker starts and exits only count workers.
	default:
		p.agg.AddEvent(rec)
	}
	p.observe(rec, row)
}

// rowOf returns the row of a record's route, method and GraphQL operation,
// under the cardinality caps.
func (p *Pipeline) rowOf(rec *parse.Record) *metrics.Row {
	rt := p.routeOf(rec)
	op := p.operationOf(rec, rt)
	method := route.Method(rec.Method)
	// A row that exists was admitted under the caps already.
	if row := p.agg.Lookup(rt, method, op); row != nil {
		return row
	}
	ev := &p.agg.Events
	if len(op) > 0 {
		if op = p.ops.Admit(op); string(op) == route.Overflow {
			ev.OperationOverflow++
		}
	}
	if rt = p.routes.Admit(rt); string(rt) == route.Overflow {
		ev.RouteOverflow++
	}
	if row := p.agg.Lookup(rt, method, op); row != nil {
		return row
	}
	row := p.agg.Row(rt, method, op)
	row.Team = p.cfg.Owners.Team(row.Route, row.Method)
	return row
}

func (p *Pipeline) routeOf(rec *parse.Record) []byte {
	switch {
	case len(rec.Route) > 0:
		p.tmplBuf = route.AppendTemplate(p.tmplBuf[:0], rec.Route)
		p.routeBuf = route.Normalize(p.routeBuf[:0], p.tmplBuf)
	case len(rec.URI) == 0:
		p.routeBuf = append(p.routeBuf[:0], route.Unknown...)
	default:
		if t, ok := p.cfg.Routes.Match(rec.URI); ok {
			p.routeBuf = append(p.routeBuf[:0], t...)
		} else {
			p.routeBuf = route.Normalize(p.routeBuf[:0], rec.URI)
		}
	}
	return p.routeBuf
}

// operationOf finds the GraphQL operation of a request: a field the line
// names explicitly, or, for a GraphQL route, the operationName query
// parameter or the logged body. Names that are not GraphQL names are dropped.
func (p *Pipeline) operationOf(rec *parse.Record, rt []byte) []byte {
	op := rec.Operation
	if len(op) == 0 && p.isGraphQL(rt) {
		p.opBuf = parse.AppendQueryOperation(p.opBuf[:0], rec.URI)
		op = p.opBuf
		if len(op) == 0 && len(rec.Body) > 0 {
			op = parse.BodyOperation(rec.Body)
		}
	}
	if !parse.ValidOperation(op) {
		return nil
	}
	return op
}

func (p *Pipeline) isGraphQL(rt []byte) bool {
	for _, g := range p.graphql {
		if bytes.Equal(rt, g) {
			return true
		}
	}
	return false
}
