package parse

// Malformation says what was broken in a line that a parser recognized but
// could not read. It is the error parsers return: a one-byte value, so that
// returning one as an error costs no allocation on the hot path, and a closed
// set, so that bad lines can be counted (and tagged) by reason.
type Malformation uint8

const (
	NotMalformed   Malformation = iota
	BadRequestLine              // the HTTP request line, method or URI (TLS bytes sent to an HTTP port, a lower-case method)
	BadStatus                   // the status is missing or out of range
	BadDuration                 // the duration is missing or not a number
	BadNumber                   // a pid, worker, core or try number
	BadShape                    // the line's structure: brackets, separators, keywords
	BadJSON                     // JSON syntax
	TooLong                     // the line is longer than the reader accepts
	NumMalformations
)

var malformationNames = [NumMalformations]string{"", "request_line", "status", "duration", "number", "shape", "json", "too_long"}

// String is the reason's name, a metric tag value.
func (m Malformation) String() string {
	if m < NumMalformations {
		return malformationNames[m]
	}
	return "unknown"
}

func (m Malformation) Error() string { return "malformed line: " + m.String() }

// MalformationOf returns the reason of an error a parser returned, or
// NotMalformed for nil.
func MalformationOf(err error) Malformation {
	if m, ok := err.(Malformation); ok {
		return m
	}
	if err != nil {
		return BadShape
	}
	return NotMalformed
}
