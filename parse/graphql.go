package parse

import "bytes"

// MaxOperationLen bounds a GraphQL operation name.
const MaxOperationLen = 100

// ValidOperation reports whether b is a GraphQL name (/[_A-Za-z][_0-9A-Za-z]*/,
// June 2018 spec §2.1.9) no longer than MaxOperationLen. Only such names are
// reported, which also makes them safe tag values.
func ValidOperation(b []byte) bool {
	if len(b) == 0 || len(b) > MaxOperationLen {
		return false
	}
	for i, c := range b {
		if c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// AppendQueryOperation appends the URL-decoded value of the operationName
// query parameter of uri to dst (a GET request to a GraphQL endpoint:
// /graphql?operationName=ListInvoices&query=...). It returns dst unchanged
// when there is none.
func AppendQueryOperation(dst, uri []byte) []byte {
	q := bytes.IndexByte(uri, '?')
	if q < 0 {
		return dst
	}
	rest := uri[q+1:]
	if h := bytes.IndexByte(rest, '#'); h >= 0 {
		rest = rest[:h]
	}
	for len(rest) > 0 {
		var pair []byte
		if amp := bytes.IndexByte(rest, '&'); amp >= 0 {
			pair, rest = rest[:amp], rest[amp+1:]
		} else {
			pair, rest = rest, nil
		}
		v, ok := cutPrefix(pair, "operationName=")
		if !ok {
			continue
		}
		return appendURLDecoded(dst, v)
	}
	return dst
}

func appendURLDecoded(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			dst = append(dst, ' ')
		case c == '%' && i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0:
			dst = append(dst, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

var markOperationName = []byte("operationName")

// BodyOperation finds the operationName of a logged GraphQL request body:
// plain JSON ({"operationName":"GetInvoice",...}), JSON escaped inside a JSON
// log ({\"operationName\":\"GetInvoice\"}) or nginx's default escaping
// (\x22operationName\x22:\x22GetInvoice\x22). The value must be a quoted
// string that is a GraphQL name as a whole: "Get-Invoice" or null gives
// nothing, not "Get" or "null", as for the query parameter and the field.
// It aliases body.
func BodyOperation(body []byte) []byte {
	i := bytes.Index(body, markOperationName)
	if i < 0 {
		return nil
	}
	rest := body[i+len(markOperationName):]
	// Skip the closing quote of the key, the colon and the opening quote of
	// the value, in whichever escaping they come; the last thing skipped
	// must be a quote.
	quoted := false
	for len(rest) > 0 {
		switch {
		case rest[0] == '"' || rest[0] == '\\' && len(rest) > 1 && rest[1] == '"':
			if rest[0] == '\\' {
				rest = rest[1:]
			}
			rest, quoted = rest[1:], true
			continue
		case rest[0] == ':' || rest[0] == ' ':
			rest, quoted = rest[1:], false
			continue
		case bytes.HasPrefix(rest, []byte(`\x22`)):
			rest, quoted = rest[4:], true
			continue
		}
		break
	}
	end := 0
	for end < len(rest) && (rest[end] == '_' || rest[end] >= 'A' && rest[end] <= 'Z' || rest[end] >= 'a' && rest[end] <= 'z' || rest[end] >= '0' && rest[end] <= '9') {
		end++
	}
	after := rest[end:]
	if end == 0 || !quoted || !(bytes.HasPrefix(after, []byte(`"`)) || bytes.HasPrefix(after, []byte(`\"`)) || bytes.HasPrefix(after, []byte(`\x22`))) {
		return nil
	}
	return rest[:end]
}
