package report

import (
	"fmt"
	"io"
	"strings"
)

// stuckPerRoute is how many frames the table shows per route.
const stuckPerRoute = 3

// writeWhy writes the table's "why" section under the ranking: the top
// stuck frames of the ranked routes, the saturated streams and the
// findings, in sentences with their numbers.
func writeWhy(w io.Writer, d Document, top int) error {
	if len(d.Stuck) == 0 && len(d.Findings) == 0 && !anySaturated(d.Workers) {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nWHY\n")
	wrote := false
	for _, r := range topRows(d.Routes, top) {
		n := 0
		for _, s := range d.Stuck {
			if s.Route != r.Route || s.Method != r.Method || s.GraphQLOperation != r.GraphQLOperation || n == stuckPerRoute {
				continue
			}
			if !wrote {
				b.WriteString("stuck in (innermost application frame, from stack dumps):\n")
				wrote = true
			}
			verb := "killed"
			if s.Kind == "slow" {
				verb = "slow  "
			}
			fmt.Fprintf(&b, "  %s %3d× %-40s %s", verb, s.Count, s.Frame, whyName(r.Method, r.Route, r.GraphQLOperation))
			if s.WaitingIn != "" && s.WaitingIn != s.Frame {
				fmt.Fprintf(&b, "; waiting in %s", s.WaitingIn)
			}
			if s.Wchan != "" {
				fmt.Fprintf(&b, "; kernel: %s", s.Wchan)
			}
			b.WriteByte('\n')
			n++
		}
	}
	if anySaturated(d.Workers) {
		b.WriteString("workers:\n")
		for _, ws := range d.Workers {
			if ws.SaturatedS == 0 && ws.ListenQueueFull == 0 {
				continue
			}
			count := "? workers"
			if ws.Workers > 0 {
				count = fmt.Sprintf("%d workers", ws.Workers)
			}
			fmt.Fprintf(&b, "  %s (%s, %s): at most %d busy, all busy %.1f s, listen queue full %d×, %d killed\n",
				ws.Stream, ws.Server, count, ws.BusyMax, ws.SaturatedS, ws.ListenQueueFull, ws.Kills)
		}
	}
	if len(d.Findings) > 0 {
		b.WriteString("findings:\n")
		for _, f := range d.Findings {
			where := whyName(f.Method, f.Route, f.GraphQLOperation)
			if f.Kind == "saturation" {
				where = f.Stream
			}
			fmt.Fprintf(&b, "  %s — %s: %s\n", f.Kind, where, f.Advice)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func anySaturated(ws []Workers) bool {
	for _, w := range ws {
		if w.SaturatedS > 0 || w.ListenQueueFull > 0 {
			return true
		}
	}
	return false
}

// whyName names a row in the why section: "GET /route (Operation)".
func whyName(method, route, op string) string {
	if method == "" {
		method = "-"
	}
	s := method + " " + route
	if op != "" {
		s += " (" + op + ")"
	}
	return s
}
