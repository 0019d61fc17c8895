// Package pipeline runs log lines through parsing, route normalization and
// aggregation: the one path that the CLI and the Lambda functions share.
package pipeline

import (
	"bytes"

	"github.com/slowroutes/slowroutes/metrics"
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
	// GraphQLPaths are the routes whose requests carry GraphQL operations (default "/graphql").
	GraphQLPaths []string
	// SlowUS is the slow-request threshold in microseconds (default metrics.DefaultSlowUS).
	SlowUS int64
	// OnRecord, if set, sees every record after it is counted, with its row
	// (nil for facts that belong to no route).
	OnRecord func(rec *parse.Record, row *metrics.Row)
}

// DefaultMaxOperations is the default cap on distinct GraphQL operation names.
const DefaultMaxOperations = 200

// Pipeline turns the lines of any number of log streams into Aggregates.
// It is not safe for concurrent use.
type Pipeline struct {
	cfg      Config
	agg      *metrics.Aggregates
	streams  map[string]*parse.Stream
	routes   *route.Limiter
	ops      *route.Limiter
	graphql  [][]byte
	emit     func(*parse.Record)
	routeBuf []byte
	tmplBuf  []byte
	opBuf    []byte
	nameBuf  []byte
	eventMS  int64
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
		cfg.GraphQLPaths = []string{"/graphql"}
	}
	if cfg.SlowUS <= 0 {
		cfg.SlowUS = metrics.DefaultSlowUS
	}
	p := &Pipeline{
		cfg:     cfg,
		agg:     metrics.New(cfg.SlowUS),
		streams: map[string]*parse.Stream{},
		routes:  route.NewLimiter(cfg.MaxRoutes),
		ops:     route.NewLimiter(cfg.MaxOperations),
	}
	for _, g := range cfg.GraphQLPaths {
		p.graphql = append(p.graphql, route.Normalize(nil, []byte(g)))
	}
	p.emit = p.record
	return p
}

// Aggregates returns what the pipeline has counted so far.
func (p *Pipeline) Aggregates() *metrics.Aggregates { return p.agg }

// Stream returns the state of the log stream called name, creating it on
// first use. Only creation allocates.
func (p *Pipeline) Stream(name []byte) *parse.Stream {
	if s, ok := p.streams[string(name)]; ok {
		return s
	}
	s := parse.NewStream(p.cfg.Parse, string(name))
	p.streams[string(name)] = s
	return s
}

// Line feeds one line of stream s.
func (p *Pipeline) Line(s *parse.Stream, line []byte) {
	parser, outcome, _ := s.Line(line, p.emit)
	p.agg.Lines[parser][outcome]++
}

// LineTooLong counts a line that was not parsed because it was longer than
// the reader accepts.
func (p *Pipeline) LineTooLong() {
	p.agg.Lines[parse.ParserNone][parse.Malformed]++
}

// Close settles the multi-line state of every stream (harakiri episodes that
// named no request). Call it once all lines are in.
func (p *Pipeline) Close() {
	for _, s := range p.streams {
		s.Close(p.emit)
	}
}

// CloseStream settles one stream and forgets it.
func (p *Pipeline) CloseStream(name []byte) {
	if s, ok := p.streams[string(name)]; ok {
		s.Close(p.emit)
		delete(p.streams, string(name))
	}
}

func (p *Pipeline) record(rec *parse.Record) {
	ev := &p.agg.Events
	var row *metrics.Row
	switch rec.Kind {
	case parse.KindRequest, parse.KindTimeout, parse.KindUpstreamFailure:
		rt := p.routeOf(rec)
		op := p.operationOf(rec, rt)
		method := methodOf(rec.Method)
		// A row that exists was admitted under the caps already.
		if row = p.agg.Lookup(rt, method, op); row == nil {
			if len(op) > 0 {
				if op = p.ops.Admit(op); string(op) == route.Overflow {
					ev.OperationOverflow++
				}
			}
			if rt = p.routes.Admit(rt); string(rt) == route.Overflow {
				ev.RouteOverflow++
			}
			row = p.agg.Row(rt, method, op)
		}
		p.agg.Add(row, rec)
	case parse.KindHarakiri:
		ev.HarakiriBanners++
		if rec.Try >= 2 {
			ev.HarakiriRetries++
		}
	case parse.KindHarakiriIdle:
		ev.HarakiriIdle++
	case parse.KindWorkerKill:
		ev.WorkerKills[rec.Source]++
	case parse.KindListenQueueFull:
		ev.ListenQueueFull++
	case parse.KindRequestStart:
		return
	}
	if p.cfg.OnRecord != nil {
		p.cfg.OnRecord(rec, row)
	}
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

var methods = [...]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE"}

var methodOther = []byte("OTHER")

// methodOf keeps the standard methods and folds every other token into
// "OTHER", so a scanner inventing methods cannot add tag values.
func methodOf(m []byte) []byte {
	if len(m) == 0 {
		return nil
	}
	for _, k := range methods {
		if string(m) == k {
			return m
		}
	}
	return methodOther
}

// Swap returns what has been counted so far and starts counting afresh,
// keeping the stream state and the cardinality caps: a Lambda container
// emits one invocation's facts and goes on.
func (p *Pipeline) Swap() *metrics.Aggregates {
	a := p.agg
	p.agg = metrics.New(p.cfg.SlowUS)
	return a
}
