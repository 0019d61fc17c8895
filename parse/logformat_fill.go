package parse

// role is where a matched value goes: matching only notes where each value
// is (lineSpans), commit reads them once the whole line fits, so that a line
// that does not fit leaves the record untouched.
type role uint8

const (
	roleNone role = iota
	roleAddr
	roleRequest
	roleMethod
	roleURI
	rolePath
	roleStatus
	roleStatusOrig
	roleAgent
	roleBody
	roleOperation
	roleRequestID
	roleTime // TimeText: the field's variable says the layout
	roleEnd
	roleStart
	roleUpStatus
	roleUpTime
	roleUpConnect
	roleUpHeader
	rolePID
	roleWorker
	roleConn
	roleDuration // the most precise duration field
	numRoles
)

// The roles are bits of lineSpans.has.
var _ = [32 - numRoles]struct{}{}

func roleOf(v formatVar) role {
	switch v {
	case varClientAddr:
		return roleAddr
	case varRequestLine:
		return roleRequest
	case varMethod:
		return roleMethod
	case varURI:
		return roleURI
	case varPath:
		return rolePath
	case varStatus:
		return roleStatus
	case varStatusOriginal:
		return roleStatusOrig
	case varUserAgent:
		return roleAgent
	case varBody:
		return roleBody
	case varOperation:
		return roleOperation
	case varRequestID:
		return roleRequestID
	case varTimeCLF, varTimeISO, varTimeEpoch, varTimeCtime:
		return roleTime
	case varEndTime:
		return roleEnd
	case varStartText:
		return roleStart
	case varUpstreamStatus:
		return roleUpStatus
	case varUpstreamTime:
		return roleUpTime
	case varUpstreamConnect:
		return roleUpConnect
	case varUpstreamHeader:
		return roleUpHeader
	case varPID, varPIDAngle:
		return rolePID
	case varWorker:
		return roleWorker
	case varConnStatus:
		return roleConn
	case varDuration:
		return roleDuration
	}
	return roleNone
}

type span struct{ s, e int32 }

// lineSpans holds where the values of a matched line are, by role.
type lineSpans struct {
	at        [numRoles]span
	has       uint32
	timeField uint8  // 1 + index of the field of roleTime
	durField  uint8  // 1 + index of the field of roleDuration
	status    uint16 // the value of roleStatus when matchLinear read it (100-999), else 0
}

func (sp *lineSpans) set(line []byte, f *LogFormat, i, s, e int) {
	fd := &f.fields[i]
	bit := uint32(1) << fd.role
	switch fd.role {
	case roleRequestID:
		if sp.has&bit != 0 && !isMissing(line[sp.at[roleRequestID].s:sp.at[roleRequestID].e]) {
			return // the first id logged wins
		}
	case roleOperation:
		if sp.has&bit != 0 || HeaderOperation(line[s:e]) == nil {
			return
		}
	case roleTime:
		// $time_local / $time_iso8601 win over uWSGI's epoch and ctime.
		if sp.has&bit != 0 && (fd.v == varTimeEpoch || fd.v == varTimeCtime) {
			return
		}
		sp.timeField = uint8(i + 1)
	case roleDuration:
		if isMissing(line[s:e]) || sp.has&bit != 0 && fd.rank <= f.fields[sp.durField-1].rank {
			return
		}
		sp.durField = uint8(i + 1)
	}
	sp.at[fd.role] = span{int32(s), int32(e)}
	sp.has |= bit
}

func (sp *lineSpans) get(line []byte, r role) []byte {
	if sp.has&(1<<r) == 0 {
		return nil
	}
	return line[sp.at[r].s:sp.at[r].e]
}

// commit turns the values of a matched line into the record. A line with a
// status and a request target (a request line, a URI or a path) is a
// finished request; other lines fit the format but carry no record.
func (f *LogFormat) commit(line []byte, sp *lineSpans, r *Record, a *AccessFields) error {
	has := sp.has
	status, statusOK := int(sp.status), sp.status != 0
	if !statusOK {
		if v := sp.get(line, roleStatus); v != nil {
			status, statusOK = atoi(v)
		} else if v := sp.get(line, roleStatusOrig); v != nil {
			status, statusOK = atoi(v)
		}
	}
	var method, uri []byte
	if has&(1<<roleRequest) != 0 {
		var ok bool
		if method, uri, ok = splitRequestLine(line[sp.at[roleRequest].s:sp.at[roleRequest].e]); !ok {
			return BadRequestLine
		}
	}
	if has&(1<<roleMethod|1<<roleURI|1<<rolePath) != 0 {
		// $request_method and $request_uri win over what $request says.
		if v := sp.get(line, roleMethod); v != nil {
			method = v
		}
		if v := sp.get(line, roleURI); v != nil {
			uri = v
		} else if v := sp.get(line, rolePath); uri == nil && v != nil {
			uri = v
		}
		if isMissing(method) {
			method = nil
		}
	}
	if !statusOK || isMissing(uri) {
		return nil // fits the format, but names no finished request
	}
	if status < 100 || status > 999 {
		return BadStatus
	}
	var durUS int64
	if has&(1<<roleDuration) != 0 {
		if sp.durField == 0 && f.durField > 0 && !isMissing(sp.get(line, roleDuration)) {
			sp.durField = f.durField
		}
		if sp.durField > 0 {
			var ok bool
			if durUS, ok = decimalToMicros(sp.get(line, roleDuration), f.fields[sp.durField-1].unitUS); !ok {
				return BadDuration
			}
		}
	}
	if sp.timeField == 0 && has&(1<<roleTime) != 0 {
		sp.timeField = f.timeField
	}
	if a != nil && sp.has&(1<<roleUpStatus|1<<roleUpTime|1<<roleUpConnect|1<<roleUpHeader) != 0 && !readUpstream(line, sp, a) {
		return BadDuration
	}
	r.Kind, r.Source, r.Status, r.Method, r.URI = KindRequest, f.source, status, method, uri
	if sp.durField > 0 {
		r.DurationUS, r.HasDuration = durUS, true
	}
	if sp.timeField > 0 {
		// commitTime, written out: it is on every line's path.
		fd := &f.fields[sp.timeField-1]
		v := line[sp.at[roleTime].s:sp.at[roleTime].e]
		if fd.layout == TimeCLF && len(v) > 2 && v[0] == '[' && v[len(v)-1] == ']' {
			v = v[1 : len(v)-1] // gunicorn %(t)s and Apache %t bring their brackets
		}
		switch {
		case isMissing(v):
		case fd.start:
			r.StartText, r.StartLayout = v, fd.layout
		default:
			r.TimeText, r.TimeLayout = v, fd.layout
		}
	}
	if sp.has&(1<<roleAddr) != 0 {
		r.ClientAddr = line[sp.at[roleAddr].s:sp.at[roleAddr].e]
	}
	if sp.has&(1<<roleAgent) != 0 {
		r.UserAgent = line[sp.at[roleAgent].s:sp.at[roleAgent].e]
	}
	const rare = 1<<roleBody | 1<<roleOperation | 1<<rolePID | 1<<roleWorker |
		1<<roleRequestID | 1<<roleConn | 1<<roleEnd | 1<<roleStart
	if sp.has&rare == 0 {
		return nil
	}
	if v := sp.get(line, roleRequestID); !isMissing(v) {
		r.RequestID = v
	}
	if v := sp.get(line, roleConn); len(v) == 1 && v[0] == 'X' {
		r.Outcome = OutcomeClientAbort // Apache %X: aborted before the response completed
	}
	if v := sp.get(line, roleEnd); v != nil && r.TimeText == nil && !isMissing(v) {
		r.TimeText, r.TimeLayout = v, TimeEpoch // nginx $msec: when the line was logged
	}
	if v := sp.get(line, roleStart); v != nil && r.StartText == nil && !isMissing(v) {
		r.StartText, r.StartLayout = v, LayoutOf(v) // Apache %{format}t
	}
	if b := sp.get(line, roleBody); !isMissing(b) {
		r.Body = b
	}
	if v := sp.get(line, roleOperation); v != nil {
		r.Operation = v
	}
	if v := sp.get(line, rolePID); len(v) > 2 && v[0] == '<' {
		r.PID, _ = atoi(v[1 : len(v)-1]) // gunicorn %(p)s
	} else if v != nil {
		r.PID, _ = atoi(v)
	}
	if v := sp.get(line, roleWorker); v != nil && a != nil {
		a.Worker, _ = atoi(v)
	}
	return nil
}

// The line's time (see commit): uWSGI's ltime, time and ctime and Apache's
// %t are when the request started (uWSGI core/logging.c reads
// wsgi_req->start_of_request; mod_log_config request_time), nginx's
// $time_local and $time_iso8601 and gunicorn's %(t)s when the line was
// written (gunicorn glogging.py Logger.now() at access-log time).

// timeLayout is how a time variable of a format of source src is written,
// and whether it is the request's start.
func timeLayout(src Source, v formatVar) (l TimeLayout, start bool) {
	switch v {
	case varTimeCLF:
		l = TimeCLF
	case varTimeISO:
		l = TimeRFC3339
	case varTimeCtime:
		l = TimeCtime
	default:
		l = TimeEpoch
	}
	return l, src == SourceUWSGI || src == SourceApache || v == varTimeEpoch || v == varTimeCtime
}

func readUpstream(line []byte, sp *lineSpans, a *AccessFields) bool {
	if v := sp.get(line, roleUpStatus); v != nil && !readStatusList(v, a) {
		return false
	}
	if v := sp.get(line, roleUpTime); v != nil && !readTimeList(v, keyUpstreamTime, a) {
		return false
	}
	if v := sp.get(line, roleUpConnect); v != nil && !readTimeList(v, keyUpstreamConnect, a) {
		return false
	}
	if v := sp.get(line, roleUpHeader); v != nil && !readTimeList(v, keyUpstreamHeader, a) {
		return false
	}
	return true
}
