package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// parseProgress reads --progress: whether to show a status line on stderr.
func parseProgress(mode string, stderr io.Writer) (bool, error) {
	switch mode {
	case "auto":
		return isTerminal(stderr), nil
	case "always":
		return true, nil
	case "never":
		return false, nil
	}
	return false, fmt.Errorf("--progress: want auto, always or never, got %q", mode)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

const progressEvery = 250 * time.Millisecond

// statusLine rewrites one status line on a terminal.
type statusLine struct {
	w           io.Writer
	start, last time.Time
	shown       bool
}

// due says whether the line may be rewritten now: at most a few times a second.
func (l *statusLine) due(now time.Time) bool {
	if now.Sub(l.last) < progressEvery {
		return false
	}
	l.last = now
	return true
}

// perSecond is n over the time since start.
func (l *statusLine) perSecond(n int64, now time.Time) float64 {
	if el := now.Sub(l.start).Seconds(); el > 0 {
		return float64(n) / el
	}
	return 0
}

func (l *statusLine) printf(format string, args ...any) {
	fmt.Fprintf(l.w, "\r\x1b[K"+format, args...)
	l.shown = true
}

// clear erases the line before another message.
func (l *statusLine) clear() {
	if l.shown {
		fmt.Fprint(l.w, "\r\x1b[K")
		l.shown = false
	}
}

// end leaves the line as it is, with the next output below it.
func (l *statusLine) end() {
	fmt.Fprintln(l.w)
	l.shown = false
}
