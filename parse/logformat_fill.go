package parse

// fill turns the values of a matched line into the record. A line with a
// status and a request target (a request line, a URI or a path) is a
// finished request; other lines fit the format but carry no record.
func (f *LogFormat) fill(vals *[maxCaptures][]byte, r *Record, a *AccessFields) error {
	var (
		request, uri, path, method []byte
		status, statusOrig         = -1, -1
		durUS                      int64
		durRank                    uint8
		hasDur                     bool
		pid, worker                int
		fields                     AccessFields
		timeText                   []byte
		timeLayout                 TimeLayout
		connAborted                bool
		body, operation            []byte
	)
	fields.Server = f.server
	for i := range f.fields {
		fd, v := &f.fields[i], vals[i]
		switch fd.v {
		case varClientAddr:
			fields.ClientAddr = v
		case varRequestLine:
			request = v
		case varMethod:
			method = v
		case varURI:
			uri = v
		case varPath:
			path = v
		case varStatus:
			status, _ = atoi(v)
		case varStatusOriginal:
			statusOrig, _ = atoi(v)
		case varDuration:
			if isMissing(v) || hasDur && fd.rank <= durRank {
				continue
			}
			us, ok := decimalToMicros(v, fd.unitUS)
			if !ok {
				return errMalformed("logformat: value of " + fd.name)
			}
			durUS, durRank, hasDur = us, fd.rank, true
		case varUpstreamStatus:
			if !readStatusList(v, &fields) {
				return errMalformed("logformat: value of " + fd.name)
			}
		case varUpstreamTime:
			first, total, n, has, ok := readTimeList(v)
			if !ok {
				return errMalformed("logformat: value of " + fd.name)
			}
			fields.UpstreamTimeUS, fields.UpstreamTotalUS, fields.HasUpstreamTime = first, total, has
			if fields.UpstreamAttempts == 0 {
				fields.UpstreamAttempts = n
			}
		case varUpstreamConnect:
			first, _, _, has, ok := readTimeList(v)
			if !ok {
				return errMalformed("logformat: value of " + fd.name)
			}
			fields.UpstreamConnectUS, fields.HasUpstreamConnect = first, has
		case varUpstreamHeader:
			first, _, _, has, ok := readTimeList(v)
			if !ok {
				return errMalformed("logformat: value of " + fd.name)
			}
			fields.UpstreamHeaderUS, fields.HasUpstreamHeader = first, has
		case varRequestID:
			if fields.RequestID == nil && !isMissing(v) {
				fields.RequestID = v
			}
		case varOperation:
			if operation == nil {
				operation = HeaderOperation(v)
			}
		case varBody:
			if !isMissing(v) {
				body = v
			}
		case varPID:
			pid, _ = atoi(v)
		case varPIDAngle:
			pid, _ = atoi(v[1 : len(v)-1])
		case varWorker:
			worker, _ = atoi(v)
		case varUserAgent:
			fields.UserAgent = v
		case varTimeCLF:
			if len(v) > 2 && v[0] == '[' && v[len(v)-1] == ']' {
				v = v[1 : len(v)-1] // gunicorn %(t)s and Apache %t bring their brackets
			}
			timeText, timeLayout = v, TimeCLF
			if f.server == ServerUWSGI || f.server == ServerApache {
				fields.StartTime = v // both write when the request started
			}
		case varTimeISO:
			timeText, timeLayout = v, TimeRFC3339
		case varTimeEpoch:
			if timeText == nil {
				timeText, timeLayout = v, TimeEpoch
			}
			fields.StartTime = v
		case varTimeCtime:
			if timeText == nil {
				timeText, timeLayout = v, TimeCtime
			}
			fields.StartTime = v
		case varEndTime:
			fields.EndTime = v
		case varStartText:
			fields.StartTime = v
		case varConnStatus:
			connAborted = len(v) == 1 && v[0] == 'X'
		}
	}
	if status < 0 {
		status = statusOrig
	}
	if request != nil {
		m, u, ok := splitRequestLine(request)
		if !ok {
			return errMalformed("logformat: request line")
		}
		if method == nil {
			method = m
		}
		if uri == nil {
			uri = u
		}
	}
	if uri == nil {
		uri = path
	}
	if isMissing(method) {
		method = nil
	}
	if status < 0 || isMissing(uri) {
		return nil // fits the format, but names no finished request
	}
	if status < 100 || status > 999 {
		return errMalformed("logformat: status out of range")
	}
	r.Kind, r.Source, r.Status = KindRequest, f.server.source(), status
	r.Method, r.URI, r.Body, r.Operation = method, uri, body, operation
	r.DurationUS, r.HasDuration = durUS, hasDur
	r.PID, r.Worker = pid, worker
	if timeText != nil {
		r.TimeText, r.TimeLayout = timeText, timeLayout
	}
	fields.Outcome = ProxyOutcome(f.server, status)
	if connAborted {
		fields.Outcome = OutcomeClientAbort
	}
	*a = fields
	return nil
}
