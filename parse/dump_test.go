package parse

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type dumpView struct {
	Kind                      DumpLineKind
	Current                   bool
	Thread, Path, Func        string
	Reason, Rest, Method, URI string
}

func viewDump(d *DumpLine) dumpView {
	return dumpView{d.Kind, d.Current, string(d.Thread), string(d.Path), string(d.Func),
		string(d.Reason), string(d.Rest), string(d.Method), string(d.URI)}
}

// Lines marked real were written by the servers of the incident capture
// (testdata/captures/incidents: uWSGI 2.0.21, gunicorn 20.1.0, Python
// 3.11.2's faulthandler); dogslow's are hand-written from the format strings
// of dogslow/__init__.py (dogslow 1.2, DOGSLOW_LOGGER set).
func TestParseDumpLine(t *testing.T) {
	app := "/work/wt/captures-incidents/testdata/capture/incidents/app"
	for _, tc := range []struct {
		name, line string
		want       dumpView
		no         bool
	}{
		{name: "real tracebacker header", line: "*** uWSGI Python tracebacker output ***", want: dumpView{Kind: DumpTracebackerHeader}},
		{name: "real tracebacker frame",
			line: "thread_id = uWSGIWorker2Core0 filename = " + app + "/reports/queries.py lineno = 16 function = stream_rows line = time.sleep(CSV_SECONDS)",
			want: dumpView{Kind: DumpTracebackerFrame, Thread: "uWSGIWorker2Core0", Path: app + "/reports/queries.py", Func: "stream_rows"}},
		{name: "real tracebacker frame with a comment",
			line: "thread_id = uWSGIWorker1Core0 filename = " + app + "/payments/gateway.py lineno = 21 function = charge_card line = resp = conn.getresponse()  # blocks: the gateway accepts and never answers",
			want: dumpView{Kind: DumpTracebackerFrame, Thread: "uWSGIWorker1Core0", Path: app + "/payments/gateway.py", Func: "charge_card"}},
		{name: "real fatal", line: "Fatal Python error: Aborted", want: dumpView{Kind: DumpFatal, Reason: "Aborted"}},
		{name: "real fatal cut by an arbiter line",
			line: "Fatal Python error: [2026-12-01 07:24:41 +0000] [31689] [CRITICAL] WORKER TIMEOUT (pid:31973)",
			want: dumpView{Kind: DumpFatal, Rest: "[2026-12-01 07:24:41 +0000] [31689] [CRITICAL] WORKER TIMEOUT (pid:31973)"}},
		{name: "real timeout", line: "Timeout (0:00:01)!", want: dumpView{Kind: DumpTimeout}},
		{name: "hand-written timeout with microseconds", line: "Timeout (0:00:02.500000)!", want: dumpView{Kind: DumpTimeout}},
		{name: "real current thread", line: "Current thread 0x00007fc43d0902c0 (most recent call first):", want: dumpView{Kind: DumpThread, Current: true}},
		{name: "real thread", line: "Thread 0x00007fdbb21ff6c0 (most recent call first):", want: dumpView{Kind: DumpThread}},
		{name: "hand-written stack", line: "Stack (most recent call first):", want: dumpView{Kind: DumpThread}},
		{name: "real frame", line: `  File "/usr/lib/python3.11/socket.py", line 706 in readinto`,
			want: dumpView{Kind: DumpFrame, Path: "/usr/lib/python3.11/socket.py", Func: "readinto"}},
		{name: "real module frame", line: `  File "/usr/bin/gunicorn", line 33 in <module>`,
			want: dumpView{Kind: DumpFrame, Path: "/usr/bin/gunicorn", Func: "<module>"}},
		{name: "real no frame", line: "  <no Python frame>", want: dumpView{Kind: DumpNoFrame}},
		{name: "hand-written traceback-module frame", line: `  File "/srv/shop/billing/views.py", line 9, in render_invoice_pdf`,
			want: dumpView{Kind: DumpTracebackFrame, Path: "/srv/shop/billing/views.py", Func: "render_invoice_pdf"}},
		{name: "real interleaved frame", line: `  File   File ""/usr/lib/python3/dist-packages/gunicorn/workers/sync.py` + app + `/billing/pdf.py"", line , line 10315 in  in run_for_multiplerasterize_pages`,
			want: dumpView{Kind: DumpGarbage}},
		{name: "real interleaved frame, second header inside", line: `  File "/usr/lib/python3/dist-packages/gunicorn/workers/sync.pyFatal Python error: "Aborted`,
			want: dumpView{Kind: DumpGarbage}},
		{name: "real interleaved frame, spaces in the function", line: `  File "` + app + `/core/stack.py", line 15  File  in inner`,
			want: dumpView{Kind: DumpGarbage}},
		{name: "real interleaved thread", line: "Current thread 0x__call__00007fbfcf6362c0", want: dumpView{Kind: DumpGarbage}},
		{name: "hand-written dogslow header",
			line: "Slow Request Watchdog: invoice_pdf, GET http://shop.example.com/invoices/7/pdf?regenerate=1 - Undead request intercepted at: 01-12-2026 07:25:17 UTC",
			want: dumpView{Kind: DumpSlowRequest, Method: "GET", URI: "/invoices/7/pdf?regenerate=1"}},
		{name: "hand-written dogslow header, Python 3 bytes",
			line: `Slow Request Watchdog: invoice_pdf, b'GET http://shop.example.com/invoices/7/pdf' - b'Undead request intercepted at: 01-12-2026 07:25:17 UTC\n\nGET http://shop.example.com/invoices/7/pdf'`,
			want: dumpView{Kind: DumpSlowRequest, Method: "GET", URI: "/invoices/7/pdf"}},
		{name: "real request log", line: "[pid: 32679|app: 0|req: 1/1] 127.0.0.2 () {36 vars in 524 bytes} [Tue Dec  1 07:25:17 2026] GET / => generated 13 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)", no: true},
		{name: "real master line", line: "Tue Dec  1 07:25:25 2026 - HARAKIRI !!! worker 2 status !!!", no: true},
		{name: "real exception line", line: "OSError: write error", no: true},
		{name: "real gunicorn access line", line: ` - - [01/Dec/2026:07:25:17 +0000] "GET / HTTP/1.0" 200 13 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" 399`, no: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d DumpLine
			ok := ParseDumpLine([]byte(tc.line), &d)
			if ok == tc.no {
				t.Fatalf("ParseDumpLine = %v", ok)
			}
			if diff := cmp.Diff(tc.want, viewDump(&d)); !tc.no && diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}

func TestFrameConfig(t *testing.T) {
	var def FrameConfig
	cut := FrameConfig{Strip: []string{"/srv/shop/"}, Include: []string{"/opt/vendor/acme/"}, Exclude: []string{"/srv/shop/lib/"}}
	for _, tc := range []struct {
		cfg            *FrameConfig
		path, fn       string
		app            bool
		frame, waiting string
	}{
		{&def, "/work/app/billing/views.py", "render_invoice_pdf", true, "billing/views.py:render_invoice_pdf", "billing/views.py:render_invoice_pdf"},
		{&def, "/usr/lib/python3.11/socket.py", "readinto", false, "python3.11/socket.py:readinto", "socket.py:readinto"},
		{&def, "/usr/lib/python3.11/http/client.py", "_read_status", false, "http/client.py:_read_status", "http/client.py:_read_status"},
		{&def, "/usr/local/lib/python3.12/ssl.py", "read", false, "python3.12/ssl.py:read", "ssl.py:read"},
		{&def, "/usr/lib/python3/dist-packages/gunicorn/workers/sync.py", "handle", false, "workers/sync.py:handle", "gunicorn/workers/sync.py:handle"},
		{&def, "/app/.venv/lib/python3.11/site-packages/psycopg2/extras.py", "execute", false, "psycopg2/extras.py:execute", "psycopg2/extras.py:execute"},
		{&def, "/usr/bin/gunicorn", "<module>", false, "bin/gunicorn:<module>", "gunicorn:<module>"},
		{&def, "<frozen importlib._bootstrap>", "_call_with_frames_removed", false, "<frozen importlib._bootstrap>:_call_with_frames_removed", "<frozen importlib._bootstrap>:_call_with_frames_removed"},
		{&def, "manage.py", "main", true, "manage.py:main", "manage.py:main"},
		{&cut, "/srv/shop/billing/pdf/render.py", "rasterize", true, "billing/pdf/render.py:rasterize", "billing/pdf/render.py:rasterize"},
		{&cut, "/srv/shop/lib/retry.py", "wait", false, "lib/retry.py:wait", "retry.py:wait"},
		{&cut, "/opt/vendor/acme/lib/python3.11/site-packages/acme/x.py", "f", true, "acme/x.py:f", "acme/x.py:f"},
	} {
		if got := tc.cfg.IsApp([]byte(tc.path)); got != tc.app {
			t.Errorf("IsApp(%s) = %v", tc.path, got)
		}
		if got := string(tc.cfg.AppendFrame(nil, []byte(tc.path), []byte(tc.fn))); got != tc.frame {
			t.Errorf("AppendFrame(%s) = %s, want %s", tc.path, got, tc.frame)
		}
		if got := string(tc.cfg.AppendWaiting(nil, []byte(tc.path), []byte(tc.fn))); got != tc.waiting {
			t.Errorf("AppendWaiting(%s) = %s, want %s", tc.path, got, tc.waiting)
		}
	}
}

// stuckOf runs lines through a Stream and returns its stuck facts as
// "kind method uri frame waiting wchan".
func stuckOf(t *testing.T, cfg Config, lines string) []string {
	t.Helper()
	s := NewStream(cfg, "test")
	var out []string
	emit := func(r *Record) {
		if r.Kind != KindStuck {
			return
		}
		kind := "slow"
		if r.Timeout != TimeoutNone {
			kind = "timeout"
		}
		out = append(out, strings.Join([]string{kind, string(r.Method), string(r.URI), string(r.Stuck.Frame), string(r.Stuck.WaitingIn), string(r.Stuck.Wchan)}, " "))
	}
	for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
		s.Line([]byte(l), 0, emit)
	}
	s.Close(emit)
	return out
}

func TestDogslow(t *testing.T) {
	// Hand-written from dogslow's format strings: the multi-line report of a
	// str logger message, and dogslow 1.x under Python 3, which formats
	// bytes and so logs the report as one line.
	multi := `Slow Request Watchdog: invoice_pdf, GET http://shop.example.com/invoices/7/pdf - Undead request intercepted at: 01-12-2026 07:25:17 UTC

GET http://shop.example.com/invoices/7/pdf
Hostname:   web-1
Thread ID:  140284553004608
Process ID: 4242
Started:    01-12-2026 07:24:52 UTC

  File "/usr/lib/python3/dist-packages/gunicorn/workers/sync.py", line 136, in handle
    self.handle_request(listener, req, client, addr)
  File "/srv/shop/billing/views.py", line 9, in render_invoice_pdf
    data = pdf.rasterize_pages(int(id), pages=24)
  File "/srv/shop/billing/pdf.py", line 15, in rasterize_pages
    time.sleep(PAGE_SECONDS)
  File "/usr/lib/python3.11/socket.py", line 706, in readinto
    return self._sock.recv_into(b)

This report does not contain the local stack variables.
To enable this (very verbose) information, add this to your Django settings:
  DOGSLOW_STACK_VARS = True
{"event":"request_finished","pid":4242,"method":"GET","path":"/invoices/7/pdf","status":200,"duration_ms":25012.1}`
	want := []string{"slow GET /invoices/7/pdf billing/pdf.py:rasterize_pages socket.py:readinto "}
	if diff := cmp.Diff(want, stuckOf(t, Config{}, multi)); diff != "" {
		t.Errorf("multi-line: -want +got:\n%s", diff)
	}
	one := `Slow Request Watchdog: invoice_pdf, b'GET http://shop.example.com/invoices/7/pdf' - b'Undead request intercepted at: 01-12-2026 07:25:17 UTC\n\nGET http://shop.example.com/invoices/7/pdf\nHostname:   web-1\nThread ID:  140284553004608\nProcess ID: 4242\nStarted:    01-12-2026 07:24:52 UTC\n\n  File "/srv/shop/billing/views.py", line 9, in render_invoice_pdf\n    data = pdf.rasterize_pages(int(id), pages=24)\n  File "/srv/shop/billing/pdf.py", line 15, in rasterize_pages\n    time.sleep(PAGE_SECONDS)\n\nThis report does not contain the local stack variables.\n'`
	want = []string{"slow GET /invoices/7/pdf billing/pdf.py:rasterize_pages billing/pdf.py:rasterize_pages "}
	if diff := cmp.Diff(want, stuckOf(t, Config{}, one)); diff != "" {
		t.Errorf("one line: -want +got:\n%s", diff)
	}
}

// TestDumpEdges holds the rules that keep garbage from becoming a frame, on
// hand-written sequences of real line shapes.
func TestDumpEdges(t *testing.T) {
	kill := func(pid string) string {
		return "[2026-12-01 07:25:35 +0000] [32651] [CRITICAL] WORKER TIMEOUT (pid:" + pid + ")\n"
	}
	start := func(pid, path string) string {
		return `{"event":"request_started","pid":` + pid + `,"method":"GET","path":"` + path + `"}` + "\n"
	}
	// One worker's whole SIGABRT dump, its stack ending at gunicorn's <module>.
	dump := func(file, fn string) string {
		return "Fatal Python error: Aborted\nCurrent thread 0x1 (most recent call first):\n" +
			`  File "/srv/app/` + file + `", line 3 in ` + fn + "\n" + `  File "/usr/bin/gunicorn", line 8 in <module>` + "\n"
	}
	exiting := func(pid string) string {
		return "[2026-12-01 07:25:36 +0000] [" + pid + "] [INFO] Worker exiting (pid: " + pid + ")\n"
	}
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"a second header at a line boundary while the first stack is unfinished takes no frame",
			start("479", "/a") + start("480", "/b") + kill("479") + kill("480") +
				"Fatal Python error: Aborted\nCurrent thread 0x1 (most recent call first):\n" +
				`  File "/srv/app/a.py", line 1 in slow_a` + "\n" +
				"Fatal Python error: Aborted\nCurrent thread 0x1 (most recent call first):\n" +
				`  File "/srv/app/core.py", line 2 in inner` + "\n" + "[2026-12-01 07:25:36 +0000] [479] [INFO] Worker exiting (pid: 479)\n",
			[]string{"timeout GET /a app/a.py:slow_a app/a.py:slow_a "}},
		{"a headerless dump just after garbage is suspect",
			start("7", "/x") + "Timeout (0:00:01)!\nThread 0x1 (most recent call first):\n" + `  File ""/srv/app/a.py/srv/app/b.py", line 1 in f` + "\n" +
				"{}\nThread 0x2 (most recent call first):\n" + `  File "/srv/app/b.py", line 3 in g` + "\n{}\n",
			nil},
		{"a watchdog dump names the only request in flight",
			start("7", "/x") + "Timeout (0:00:01)!\nThread 0x1 (most recent call first):\n  <no Python frame>\n\nThread 0x2 (most recent call first):\n" +
				`  File "/usr/lib/python3.11/ssl.py", line 1 in read` + "\n" + `  File "/srv/app/b.py", line 3 in g` + "\n{}\n",
			[]string{"slow GET /x app/b.py:g ssl.py:read "}},
		{"two requests in flight: the route is unknown",
			start("7", "/x") + start("8", "/y") + "Timeout (0:00:01)!\nThread 0x2 (most recent call first):\n" + `  File "/srv/app/b.py", line 3 in g` + "\n{}\n",
			[]string{"slow   app/b.py:g app/b.py:g "}},
		{"a dump whose header another line swallowed after a kill is that kill's",
			start("479", "/a") + kill("479") + "Current thread 0x1 (most recent call first):\n" + `  File "/srv/app/a.py", line 1 in slow_a` + "\n" +
				"[2026-12-01 07:25:36 +0000] [479] [INFO] Worker exiting (pid: 479)\n",
			[]string{"timeout GET /a app/a.py:slow_a app/a.py:slow_a "}},
		{"a JSON line ends a dump, whatever it says",
			start("7", "/x") + "Timeout (0:00:01)!\nThread 0x2 (most recent call first):\n" + `  File "/srv/app/b.py", line 3 in g` + "\n" +
				`{"event":"request_finished","pid":7,"method":"GET","path":"/x","status":200,"msg":"done, line 3"}` + "\n" +
				"Timeout (0:00:01)!\nThread 0x2 (most recent call first):\n" + `  File "/srv/app/c.py", line 3 in h` + "\n{}\n",
			[]string{"slow GET /x app/b.py:g app/b.py:g ", "slow   app/c.py:h app/c.py:h "}},
		{"a held frame outlives the settling of an earlier one",
			start("1", "/a") + start("2", "/b") + start("3", "/c") + kill("1") + kill("2") +
				dump("a.py", "slow_a") + dump("b.py", "slow_b") + exiting("1") +
				kill("3") + dump("c.py", "slow_c") + exiting("3") + exiting("2"),
			[]string{"timeout GET /a app/a.py:slow_a app/a.py:slow_a ", "timeout GET /c app/c.py:slow_c app/c.py:slow_c ",
				"timeout GET /b app/b.py:slow_b app/b.py:slow_b "}},
		{"a crash is no stuck request",
			"Fatal Python error: Segmentation fault\nCurrent thread 0x1 (most recent call first):\n" + `  File "/srv/app/b.py", line 3 in g` + "\n{}\n",
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, stuckOf(t, Config{}, tc.in)); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}
