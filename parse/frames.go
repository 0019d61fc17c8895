package parse

import "bytes"

// FrameConfig says which frames of a stack dump are the application's and
// how a frame is written. The zero value is the default.
type FrameConfig struct {
	// Include lists path prefixes of application code: a frame under one is
	// the application's whatever else its path says.
	Include []string
	// Exclude lists path prefixes that are not application code, besides
	// what never is: the standard library, site-packages and dist-packages,
	// scripts in a bin directory and frozen or generated code.
	Exclude []string
	// Strip lists path prefixes cut from an application frame's path (the
	// first that matches); a path under none keeps its last Components
	// components.
	Strip []string
	// Components is how many trailing path components a frame keeps when
	// no Strip prefix matches (DefaultFrameComponents when zero).
	Components int
}

// DefaultFrameComponents keeps "billing/views.py" of
// "/srv/shop/billing/views.py": the app's package and module, the same on
// every host whatever the checkout directory.
const DefaultFrameComponents = 2

// libraryRoots are the directories under which a path is a library's, and
// the module path after them names it ("/usr/lib/python3.11/socket.py" is
// socket.py, ".../site-packages/psycopg2/extras.py" psycopg2/extras.py).
var libraryRoots = [...]string{"/site-packages/", "/dist-packages/"}

// IsApp reports whether a frame's file is application code.
func (c *FrameConfig) IsApp(path []byte) bool {
	for _, p := range c.Include {
		if bytes.HasPrefix(path, []byte(p)) {
			return true
		}
	}
	for _, p := range c.Exclude {
		if bytes.HasPrefix(path, []byte(p)) {
			return false
		}
	}
	if len(path) == 0 || path[0] == '<' || bytes.Contains(path, []byte("/bin/")) {
		return false
	}
	for _, r := range libraryRoots {
		if bytes.Contains(path, []byte(r)) {
			return false
		}
	}
	_, std := stdlibModule(path)
	return !std
}

// stdlibModule finds the standard library's directory in a path
// ("/usr/lib/python3.11/", "/opt/venv/lib/python3.12/") and returns the
// module path after it.
func stdlibModule(path []byte) ([]byte, bool) {
	for rest, off := path, 0; ; {
		i := bytes.Index(rest, []byte("/lib/python"))
		if i < 0 {
			return nil, false
		}
		after := rest[i+len("/lib/python"):]
		j := 0
		for j < len(after) && (after[j] >= '0' && after[j] <= '9' || after[j] == '.') {
			j++
		}
		if j > 0 && j < len(after) && after[j] == '/' {
			return after[j+1:], true
		}
		off += i + 1
		rest = path[off:]
	}
}

// AppendFrame appends "<path>:<function>" for an application frame, the
// path shortened by the Strip prefixes or to its last Components components.
func (c *FrameConfig) AppendFrame(dst, path, fn []byte) []byte {
	short := path
	stripped := false
	for _, p := range c.Strip {
		if rest, ok := bytes.CutPrefix(path, []byte(p)); ok {
			short, stripped = bytes.TrimPrefix(rest, []byte("/")), true
			break
		}
	}
	if !stripped {
		n := c.Components
		if n <= 0 {
			n = DefaultFrameComponents
		}
		short = lastComponents(path, n)
	}
	return append(append(append(dst, short...), ':'), fn...)
}

// AppendWaiting appends "<module path>:<function>" for the innermost frame
// of a stack: for library code its path under the library root
// ("socket.py:readinto", "http/client.py:begin", "psycopg2/extras.py:execute"),
// for application code the frame as AppendFrame writes it.
func (c *FrameConfig) AppendWaiting(dst, path, fn []byte) []byte {
	if c.IsApp(path) {
		return c.AppendFrame(dst, path, fn)
	}
	mod, found := lastComponents(path, 1), false
	for _, r := range libraryRoots {
		if i := bytes.LastIndex(path, []byte(r)); i >= 0 {
			mod, found = path[i+len(r):], true
			break
		}
	}
	if m, ok := stdlibModule(path); ok && !found {
		mod = m
	}
	return append(append(append(dst, mod...), ':'), fn...)
}

// lastComponents returns the last n slash-separated components of path.
func lastComponents(path []byte, n int) []byte {
	i := len(path)
	for ; n > 0 && i > 0; n-- {
		j := bytes.LastIndexByte(path[:i], '/')
		if j < 0 {
			return path
		}
		i = j
	}
	if i < len(path) && path[i] == '/' {
		return path[i+1:]
	}
	return path[i:]
}
