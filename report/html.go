package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// page is the HTML report: one self-contained file (inline CSS, script and
// SVG; nothing is fetched when it is viewed) whose script renders the
// Document embedded in it.
//
//go:embed html/page.html
var page string

// dataMarker is where WriteHTML puts the Document's JSON in the page.
const dataMarker = "/*REPORT_JSON*/{}"

// WriteHTML writes the document as one self-contained HTML page: the
// ranking (sortable, filterable by team, source and method), per-route
// latency histograms on a log scale, timelines of timeouts per minute, the
// baseline comparison when there is one, and any section a later report
// adds (busy workers, stuck frames, findings) as tables.
func WriteHTML(w io.Writer, d Document) error {
	b, err := json.Marshal(d) // escapes <, > and &: the JSON cannot close the script
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	head, tail, ok := strings.Cut(page, dataMarker)
	if !ok {
		return fmt.Errorf("html report: the page has no data marker")
	}
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	_, err = io.WriteString(w, tail)
	return err
}
