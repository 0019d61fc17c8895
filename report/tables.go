package report

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// rowName is how a table names a row: the route, its GraphQL operation and
// team, and its method ("-" for none).
func rowName(r *Route) (name, method string) {
	name = r.Route
	if r.GraphQLOperation != "" {
		name += " (" + r.GraphQLOperation + ")"
	}
	if r.Team != "" {
		name += " [" + r.Team + "]"
	}
	method = r.Method
	if method == "" {
		method = "-"
	}
	return name, method
}

// topRows is the worst top rows (all when top <= 0), as the tables show them.
func topRows(rows []Route, top int) []Route {
	if top > 0 && len(rows) > top {
		return rows[:top]
	}
	return rows
}

// writeMore says how many rows a table left out.
func writeMore(w io.Writer, shown, all int) {
	if shown < all {
		fmt.Fprintf(w, "... %d more rows (--top 0 shows all)\n", all-shown)
	}
}

// WriteTeamTable writes the rows summed by owning team, worst first.
func WriteTeamTable(w io.Writer, d Document) error {
	if len(d.Teams) == 0 {
		_, err := fmt.Fprintln(w, "no route has a team: give an owners file (--owners FILE)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TIMEOUTS\tREQUESTS\tSLOW\tp50 ms\tp95 ms\tp99 ms\tROUTES\t  TEAM  WORST ROUTE")
	for _, t := range d.Teams {
		l := t.LatencyMS
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%d\t  %s  %s\n", t.TimeoutsTotal, t.Requests, t.Slow,
			FormatMS(l.Count, l.P50), FormatMS(l.Count, l.P95), FormatMS(l.Count, l.P99), t.Routes, padRight(t.Team, 12), t.WorstRoute)
	}
	return tw.Flush()
}

// writeBaselineTable ranks the rows by how much worse they got than the
// baseline: p95 then and now, its change, the sample sizes and the rates.
func writeBaselineTable(w io.Writer, d Document, top int) error {
	b := d.Baseline
	fmt.Fprintf(w, "baseline: %d rows matched, %d regressed (p95 >= +%g%% and >= +%g ms, >= %d requests in each window); %d baseline rows not seen now\n\n",
		b.Matched, b.Regressions, b.Thresholds.Pct, b.Thresholds.MS, b.Thresholds.MinRequests, b.Missing)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tp95 then\tp95 now\tchange ms\tchange %\tp99 then\tp99 now\treq then\treq now\ttimeouts then\tnow\tslow then\tnow\t  METHOD  ROUTE")
	rows := topRows(d.Routes, top)
	for _, r := range rows {
		x := r.Baseline
		flag := ""
		switch {
		case x.Regressed:
			flag = "WORSE"
		case !x.Found:
			flag = "new"
		}
		name, method := rowName(&r)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%+.1f\t%+.1f\t%s\t%s\t%d\t%d\t%.2f%%\t%.2f%%\t%.2f%%\t%.2f%%\t  %s %s\n", flag,
			FormatMS(x.Requests, x.P95), FormatMS(r.LatencyMS.Count, r.LatencyMS.P95), x.P95ChangeMS, x.P95ChangePct,
			FormatMS(x.Requests, x.P99), FormatMS(r.LatencyMS.Count, r.LatencyMS.P99), x.Requests, x.RequestsNow,
			100*x.TimeoutRate, 100*x.TimeoutRateNow, 100*x.SlowRate, 100*x.SlowRateNow, padRight(method, 7), name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeMore(w, len(rows), len(d.Routes))
	return nil
}
