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

// userFormat reads line into s.rec with the first of the user's formats
// it fits: ok is false when none does.
func (s *Stream) userFormat(line []byte) (p Parser, ok bool, err error) {
	a := s.details() // a format the line does not fit leaves it untouched
	for _, f := range s.formats {
		if ok, err = f.Parse(line, &s.rec, a); ok {
			return parserOf(f.Source()), true, err
		}
	}
	return ParserNone, false, nil
}

// access reads the access lines that start with neither '[' nor '{' into
// s.rec: ok is false when no access parser recognized the line.
func (s *Stream) access(line []byte) (p Parser, ok bool, err error) {
	r := &s.rec
	switch {
	case line[0] == 'h' || line[0] == 'w' || line[0] == 'g':
		// An ALB entry starts with its type: http, https, h2, grpcs, ws, wss.
		if ok, err = ParseALB(line, r, s.details()); ok {
			return ParserALB, true, err
		}
	case traefikEnd(line):
		if ok, err = ParseTraefikCLF(line, r, s.details()); ok {
			return ParserTraefik, true, err
		}
	}
	if s.accessSource == SourceApache {
		ok, err = ParseApacheAccess(line, s.intUnitUS, r, s.details())
		return ParserApacheAccess, ok, err
	}
	if ok, err = ParseCombined(line, s.intUnitUS, r); !ok {
		return ParserNone, false, nil
	}
	switch {
	case s.accessSource != SourceUnknown:
		r.Source = s.accessSource
	case r.Source == SourceUnknown:
		r.Source = SourceNginx // the shape does not tell: the usual writer
	}
	if r.Source == SourceGunicorn {
		return ParserGunicorn, true, err
	}
	return ParserNginxAccess, true, err
}

// traefikEnd says whether line ends like Traefik's common format: the
// quoted service URL (or "-") and the duration, `"http://172.18.0.6:8000" 30001ms`.
// App lines that end in a duration ("fetched 3846 users in 175ms") do not.
func traefikEnd(line []byte) bool {
	n := len(line)
	if n < 6 || line[n-1] != 's' || line[n-2] != 'm' {
		return false
	}
	i := n - 3
	for i > 0 && line[i] >= '0' && line[i] <= '9' {
		i--
	}
	return i < n-3 && line[i] == ' ' && i > 0 && (line[i-1] == '"' || line[i-1] == '-')
}
