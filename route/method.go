package route

// Methods are the request methods kept as they are; any other token folds
// into MethodOther, so that a scanner inventing methods cannot add tag values.
var Methods = [...]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE", MethodOther}

// MethodOther stands for every method outside Methods.
const MethodOther = "OTHER"

var methodOther = []byte(MethodOther)

// Method returns m if it is one of Methods, MethodOther for any other
// token and nil for none. It does not allocate.
func Method(m []byte) []byte {
	if len(m) == 0 {
		return nil
	}
	for _, k := range Methods[:len(Methods)-1] {
		if string(m) == k {
			return m
		}
	}
	return methodOther
}
