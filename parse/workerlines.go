package parse

import "bytes"

// Worker lifecycle lines: how many workers a server runs and when one
// starts or goes, for the busy-worker counts of the workers package.

// gunicornWorker reads gunicorn's worker lines (gunicorn 20.1.0 arbiter.py
// and workers/base.py), written by the worker itself:
//
//	[2026-12-01 07:25:17 +0000] [32695] [INFO] Booting worker with pid: 32695
//	[2026-12-01 07:25:27 +0000] [32698] [INFO] Worker exiting (pid: 32698)
func (d *dumps) gunicornWorker(s *Stream, emit func(*Record)) {
	ev := &s.gev
	kind := KindWorkerExit
	if ev.Kind != GunicornWorkerExiting {
		if string(ev.Level) != "INFO" || !bytes.HasPrefix(ev.Msg, []byte("Booting worker with pid: ")) {
			return
		}
		kind = KindWorkerStart
	}
	r := &d.rec
	r.Reset()
	r.Kind, r.Source, r.PID, r.EventMS = kind, SourceGunicorn, ev.PID, s.eventMS
	r.TimeText, r.TimeLayout = ev.Time, TimeYMD
	s.emit(r, emit)
}

// workerStarted records a uWSGI worker's start, first or respawn
// (UWSGISpawned, UWSGIRespawned).
func (d *dumps) workerStarted(s *Stream, ev *UWSGIEvent, emit func(*Record)) {
	r := &d.rec
	r.Reset()
	r.Kind, r.Source, r.PID, r.Worker, r.EventMS = KindWorkerStart, SourceUWSGI, ev.PID, ev.Worker, s.eventMS
	r.TimeText, r.TimeLayout = ev.Time, LayoutOf(ev.Time)
	s.emit(r, emit)
}
