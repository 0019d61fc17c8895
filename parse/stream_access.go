package parse

// The access-log side of Stream.Line: the user's own formats, and the
// access lines of nginx, gunicorn, Apache, Traefik and AWS load balancers,
// each behind a pre-check of a few bytes so that a line is not offered to
// every parser.

// details returns the Stream's AccessFields, cleared: the access parsers
// fill them, the pipeline does not count them.
func (s *Stream) details() *AccessFields {
	s.acc.Reset()
	return &s.acc
}

// parserOf is the parser access lines of src are counted under.
func parserOf(src Source) Parser {
	switch src {
	case SourceUWSGI:
		return ParserUWSGI
	case SourceGunicorn:
		return ParserGunicorn
	case SourceApache:
		return ParserApacheAccess
	case SourceTraefik:
		return ParserTraefik
	case SourceALB:
		return ParserALB
	}
	return ParserNginxAccess
}

// userFormat reads line with the first of the user's formats it fits.
func (s *Stream) userFormat(line []byte, emit func(*Record)) (Parser, Outcome, Malformation, bool) {
	for _, f := range s.formats {
		if ok, err := f.Parse(line, &s.rec, s.details()); ok {
			p, o, m := s.finish(parserOf(f.Source()), err, emit)
			return p, o, m, true
		}
	}
	return ParserNone, Ignored, NotMalformed, false
}

// access reads the access lines that start with neither '[' nor '{'.
func (s *Stream) access(line []byte, emit func(*Record)) (Parser, Outcome, Malformation, bool) {
	r := &s.rec
	var (
		p       Parser
		ok      bool
		err     error
		matched bool
	)
	switch n := len(line); {
	case line[0] == 'h' || line[0] == 'w' || line[0] == 'g':
		// An ALB entry starts with its type: http, https, h2, grpcs, ws, wss.
		if ok, err = ParseALB(line, r, s.details()); ok {
			p, matched = ParserALB, true
		}
	case n > 2 && line[n-1] == 's' && line[n-2] == 'm' && line[n-3] >= '0' && line[n-3] <= '9':
		// Traefik's common format ends with the duration: "... 30001ms".
		if ok, err = ParseTraefikCLF(line, r, s.details()); ok {
			p, matched = ParserTraefik, true
		}
	}
	if !matched {
		switch s.accessSource {
		case SourceApache:
			if ok, err = ParseApacheAccess(line, s.intUnitUS, r, s.details()); ok {
				p, matched = ParserApacheAccess, true
			}
		default:
			if ok, err = ParseCombined(line, s.intUnitUS, r); ok {
				if s.accessSource != SourceUnknown {
					r.Source = s.accessSource
				} else if r.Source == SourceUnknown {
					r.Source = SourceNginx // the shape does not tell: the usual writer
				}
				p, matched = parserOf(r.Source), true
			}
		}
	}
	if !matched {
		return ParserNone, Ignored, NotMalformed, false
	}
	p, o, m := s.finish(p, err, emit)
	return p, o, m, true
}
