package parse

import "bytes"

// timingKey is what a key=value field after a combined line means.
type timingKey uint8

const (
	keyNone timingKey = iota
	keyRequestSeconds
	keyMillis
	keyMicros
	keyUpstreamTime
	keyUpstreamConnect
	keyUpstreamHeader
	keyUpstreamStatus
	keyRequestID
)

func timingKeyOf(k []byte) timingKey {
	switch string(k) {
	case "rt", "request_time", "duration", "req_time":
		return keyRequestSeconds
	case "msecs", "ms", "duration_ms":
		return keyMillis
	case "micros", "us_time", "duration_us":
		return keyMicros
	case "urt", "upstream_response_time", "upstream_time":
		return keyUpstreamTime
	case "uct", "upstream_connect_time":
		return keyUpstreamConnect
	case "uht", "upstream_header_time":
		return keyUpstreamHeader
	case "us", "upstream_status", "ups":
		return keyUpstreamStatus
	case "rid", "request_id", "req_id", "x_request_id":
		return keyRequestID
	}
	return keyNone
}

// ParseTimingFields reads the key=value fields that performance guides add
// after nginx's combined format, by name and without configuration, e.g.
// (nginx 1.22.1, testdata/captures/formats/nginx-perf.log and nginx-perf-named.log):
//
//	rt=0.001 uct="-, 0.000" uht="-, 0.000" urt="0.000, 0.000"
//	request_time=0.001 upstream_response_time=0.000, 0.000 us=502, 200
//
// rest is what follows the user agent's closing quote. Keys: rt,
// request_time, duration (seconds); msecs (ms); micros (µs); urt,
// upstream_response_time; uct, upstream_connect_time; uht,
// upstream_header_time (seconds, lists of attempts); us, upstream_status;
// rid, request_id. Values may be quoted, "-", or an unquoted list with
// spaces ("0.000, 0.001"): an unquoted value runs to the next " key=". The
// finest request duration wins (micros over msecs over seconds). Other keys
// are skipped. It returns how many known keys it read; err is set for a known
// key whose value is not what the key holds. r.DurationUS/HasDuration,
// r.RequestID and a (which may be nil) are written; the slices alias rest.
func ParseTimingFields(rest []byte, r *Record, a *AccessFields) (n int, err error) {
	var spare AccessFields
	if a == nil {
		a = &spare // upstream fields are checked, not kept
	}
	var durRank uint8
	if r.HasDuration {
		durRank = rankSeconds // a duration read before (ParseCombined's) gives way to a named one
	}
	for {
		for len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return n, err
		}
		eq := keyEnd(rest)
		if eq <= 0 || eq >= len(rest) || rest[eq] != '=' {
			// Not a key=value field: skip a word (or a quoted string).
			rest = skipWord(rest)
			continue
		}
		key := timingKeyOf(rest[:eq])
		var v []byte
		v, rest = cutValue(rest[eq+1:])
		if key == keyNone {
			continue
		}
		n++
		if !applyTiming(key, v, r, a, &durRank) && err == nil {
			err = BadDuration
		}
	}
}

func applyTiming(key timingKey, v []byte, r *Record, a *AccessFields, durRank *uint8) bool {
	switch key {
	case keyRequestSeconds, keyMillis, keyMicros:
		if isMissing(v) {
			return true
		}
		unit, rank := int64(1e6), uint8(rankMillis)
		if key == keyMillis {
			unit = 1000
		} else if key == keyMicros {
			unit, rank = 1, rankMicros
		}
		us, ok := decimalToMicros(v, unit)
		if !ok {
			return false
		}
		if !r.HasDuration || rank > *durRank {
			r.DurationUS, r.HasDuration, *durRank = us, true, rank
		}
	case keyUpstreamTime, keyUpstreamConnect, keyUpstreamHeader:
		return readTimeList(v, key, a)
	case keyUpstreamStatus:
		return readStatusList(v, a)
	case keyRequestID:
		if !isMissing(v) {
			r.RequestID = v
		}
	}
	return true
}

// keyEnd returns the length of the key at the start of b ([A-Za-z0-9_.-]).
func keyEnd(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == '_' || b[i] == '.' || b[i] == '-' || b[i] >= 'a' && b[i] <= 'z' || b[i] >= 'A' && b[i] <= 'Z' || b[i] >= '0' && b[i] <= '9') {
		i++
	}
	return i
}

// cutValue cuts the value at the start of b: a quoted string (nginx escapes
// quotes inside as \x22), or everything up to the next " key=".
func cutValue(b []byte) (v, rest []byte) {
	if len(b) > 0 && b[0] == '"' {
		end := bytes.IndexByte(b[1:], '"')
		if end < 0 {
			return b[1:], nil
		}
		return b[1 : 1+end], b[2+end:]
	}
	for i := 0; i < len(b); i++ {
		if b[i] != ' ' {
			continue
		}
		k := keyEnd(b[i+1:])
		if k > 0 && i+1+k < len(b) && b[i+1+k] == '=' {
			return b[:i], b[i:]
		}
	}
	return b, nil
}

func skipWord(b []byte) []byte {
	if b[0] == '"' {
		if end := bytes.IndexByte(b[1:], '"'); end >= 0 {
			return b[2+end:]
		}
		return nil
	}
	if sp := bytes.IndexByte(b, ' '); sp >= 0 {
		return b[sp:]
	}
	return nil
}

// ParseCombinedTimed reads an nginx combined line followed by key=value
// timing fields (ParseTimingFields), e.g. (nginx 1.22.1,
// testdata/captures/formats/nginx-perf.log):
//
//	127.0.0.1 - - [01/Dec/2026:07:23:50 +0000] "GET /slow/7 HTTP/1.1" 504 167 "-" "slowroutes-formats/1.0" rt=1.000 uct="0.000" uht="-" urt="1.000"
//
// The record and a alias line; r.Source is nginx. ok and err are
// ParseCombined's.
func ParseCombinedTimed(line []byte, r *Record, a *AccessFields) (ok bool, err error) {
	if ok, err = parseCombined(line, 1, r, a); !ok || err != nil {
		return ok, err
	}
	r.Source = SourceNginx
	return true, nil
}
