package parse

import "strings"

// Duration precision ranks: when a format logs the duration more than once
// (uWSGI msecs and micros, gunicorn %(L)s %(D)s %(T)s), the finest wins.
const (
	rankSeconds  = 1 // whole seconds
	rankMillis   = 2 // ms, or seconds with ms decimals (nginx $request_time)
	rankMicroDec = 3 // seconds with µs decimals (gunicorn %(L)s)
	rankMicros   = 4 // µs
)

func duration(unitUS int64, rank uint8) formatField {
	return formatField{v: varDuration, unitUS: unitUS, rank: rank}
}

// operationHeaders are request headers that carry a GraphQL operation name
// (Apollo clients send X-Apollo-Operation-Name), lower case with dashes.
var operationHeaders = map[string]bool{
	"x-apollo-operation-name":  true,
	"x-graphql-operation-name": true,
	"x-graphql-operation":      true,
	"apollographql-operation":  true,
}

var requestIDHeaders = map[string]bool{
	"x-request-id":     true,
	"x-correlation-id": true,
	"x-amzn-trace-id":  true,
	"request-id":       true,
}

// headerVar maps a logged header (lower case, dashes) to its meaning.
func headerVar(h string) formatField {
	switch {
	case h == "user-agent":
		return formatField{v: varUserAgent}
	case requestIDHeaders[h]:
		return formatField{v: varRequestID}
	case operationHeaders[h]:
		return formatField{v: varOperation}
	}
	return formatField{v: varSkip}
}

// nginxVar maps an nginx variable (ngx_http_variables.c, ngx_http_log_module.c,
// ngx_http_upstream.c) to its meaning.
func nginxVar(name string) formatField {
	switch name {
	case "remote_addr":
		return formatField{v: varClientAddr}
	case "time_local":
		return formatField{v: varTimeCLF}
	case "time_iso8601":
		return formatField{v: varTimeISO}
	case "msec":
		return formatField{v: varEndTime}
	case "request":
		return formatField{v: varRequestLine}
	case "request_method":
		return formatField{v: varMethod}
	case "request_uri":
		return formatField{v: varURI}
	case "uri", "document_uri":
		return formatField{v: varPath}
	case "status":
		return formatField{v: varStatus}
	case "body_bytes_sent", "bytes_sent", "request_length", "connection", "connection_requests", "server_port", "remote_port":
		return formatField{v: varSkipInt}
	case "request_time":
		return duration(1e6, rankMillis)
	case "upstream_status":
		return formatField{v: varUpstreamStatus}
	case "upstream_response_time":
		return formatField{v: varUpstreamTime}
	case "upstream_connect_time":
		return formatField{v: varUpstreamConnect}
	case "upstream_header_time":
		return formatField{v: varUpstreamHeader}
	case "request_id":
		return formatField{v: varRequestID}
	case "request_body":
		return formatField{v: varBody}
	case "pid":
		return formatField{v: varPID}
	}
	for _, p := range [...]string{"http_", "sent_http_", "upstream_http_"} {
		if h, ok := strings.CutPrefix(name, p); ok {
			if spec := headerVar(strings.ReplaceAll(h, "_", "-")); spec.v != varSkip {
				return spec
			}
		}
	}
	return formatField{v: varSkip}
}

// uwsgiVar maps a uWSGI log-format variable (core/logging.c) to its meaning.
func uwsgiVar(name string) formatField {
	switch name {
	case "addr":
		return formatField{v: varClientAddr}
	case "uri":
		return formatField{v: varURI}
	case "method":
		return formatField{v: varMethod}
	case "status":
		return formatField{v: varStatus}
	case "uagent":
		return formatField{v: varUserAgent}
	case "micros":
		return duration(1, rankMicros)
	case "msecs":
		return duration(1000, rankMillis)
	case "secs":
		return duration(1e6, rankSeconds)
	case "rsize", "hsize", "size", "cl", "tmsecs", "tmicros", "epoch", "switches", "core", "vsz", "rss", "vszM", "rssM", "pktsize", "modifier1", "modifier2":
		return formatField{v: varSkipInt}
	case "time":
		return formatField{v: varTimeEpoch}
	case "ltime":
		return formatField{v: varTimeCLF}
	case "ctime":
		return formatField{v: varTimeCtime}
	case "pid":
		return formatField{v: varPID}
	case "wid":
		return formatField{v: varWorker}
	}
	if v, ok := strings.CutPrefix(name, "var."); ok {
		// A request variable: HTTP_X_REQUEST_ID is the X-Request-Id header.
		if h, ok := strings.CutPrefix(v, "HTTP_"); ok {
			return headerVar(strings.ToLower(strings.ReplaceAll(h, "_", "-")))
		}
		if v == "UNIQUE_ID" || v == "REQUEST_ID" {
			return formatField{v: varRequestID}
		}
	}
	return formatField{v: varSkip}
}

// gunicornVar maps a gunicorn atom (glogging.py Logger.atoms) to its meaning.
func gunicornVar(name string) formatField {
	switch name {
	case "h":
		return formatField{v: varClientAddr}
	case "t":
		return formatField{v: varTimeCLF}
	case "r":
		return formatField{v: varRequestLine}
	case "s":
		return formatField{v: varStatus}
	case "m":
		return formatField{v: varMethod}
	case "U":
		return formatField{v: varPath}
	case "a":
		return formatField{v: varUserAgent}
	case "b", "B":
		return formatField{v: varSkipInt}
	case "T":
		return duration(1e6, rankSeconds)
	case "M":
		return duration(1000, rankMillis)
	case "D":
		return duration(1, rankMicros)
	case "L":
		return duration(1e6, rankMicroDec)
	case "p":
		return formatField{v: varPIDAngle}
	}
	if len(name) > 3 && name[0] == '{' && (strings.HasSuffix(name, "}i") || strings.HasSuffix(name, "}o")) {
		if end := strings.LastIndexByte(name, '}'); end > 0 {
			return headerVar(strings.ToLower(name[1:end]))
		}
	}
	return formatField{v: varSkip}
}

// apacheVar maps a mod_log_config directive to its meaning.
func apacheVar(letter string, modifier byte, param string) formatField {
	switch letter {
	case "h", "a":
		return formatField{v: varClientAddr}
	case "t":
		if param == "" {
			return formatField{v: varTimeCLF}
		}
		return formatField{v: varStartText}
	case "r":
		return formatField{v: varRequestLine}
	case "m":
		return formatField{v: varMethod}
	case "U":
		return formatField{v: varPath}
	case "s":
		if modifier == '>' {
			return formatField{v: varStatus}
		}
		return formatField{v: varStatusOriginal}
	case "b", "B", "O", "I", "S", "k", "p":
		return formatField{v: varSkipInt}
	case "D":
		return duration(1, rankMicros)
	case "T":
		switch param {
		case "ms":
			return duration(1000, rankMillis)
		case "us":
			return duration(1, rankMicros)
		}
		return duration(1e6, rankSeconds)
	case "P":
		if param == "" || param == "pid" {
			return formatField{v: varPID}
		}
		return formatField{v: varSkipInt}
	case "X":
		return formatField{v: varConnStatus}
	case "i":
		return headerVar(strings.ToLower(param))
	case "e":
		if param == "UNIQUE_ID" {
			return formatField{v: varRequestID}
		}
	}
	return formatField{v: varSkip}
}
