package parse

// MalformedError is the error of a line that a parser recognized but could not
// read; its text names the parser and the broken part. It is a string type so
// that reporting one costs no allocation on the hot path.
type MalformedError string

func (e MalformedError) Error() string { return "malformed " + string(e) }

func errMalformed(reason string) error { return MalformedError(reason) }
