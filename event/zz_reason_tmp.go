package event

import "errors"

// Temporary: replaced by the delivery API.
func ReasonOf(err error) Reason {
	switch {
	case errors.Is(err, ErrBase64):
		return ReasonBase64
	case errors.Is(err, ErrGzip):
		return ReasonGzip
	case errors.Is(err, ErrPayload):
		return ReasonJSON
	case errors.Is(err, ErrTooLarge):
		return ReasonTooLarge
	}
	return ReasonNotEvent
}
