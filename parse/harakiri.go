package parse

import "bytes"

// The uWSGI part of the Stream: harakiri episodes assembled from the
// master's banner, its worker status block and the worker's own lines.

// episode is one harakiri of one worker process, across its tries.
type episode struct {
	worker, pid int
	counted     int    // route timeouts emitted
	seen        []byte // "core\x00uri\x00" of every request counted, for de-duplication
	closed      bool   // the worker died or was respawned
}

func (s *Stream) uwsgi(emit func(*Record)) {
	ev, r := &s.uev, &s.rec
	r.Source = SourceUWSGI
	r.TimeText, r.TimeLayout = ev.Time, LayoutOf(ev.Time)
	switch ev.Kind {
	case UWSGIHarakiriBanner:
		e := s.episode(ev.Worker)
		if ev.Try == 1 || e.pid != ev.PID || e.closed {
			s.closeEpisode(e, emit)
			*e = episode{worker: ev.Worker, pid: ev.PID, seen: e.seen[:0]}
		}
		r.Kind, r.PID, r.Try = KindHarakiri, ev.PID, ev.Try
		s.emit(r, emit)
	case UWSGIStatusBegin:
		s.statusWorker = ev.Worker
	case UWSGIStatusEnd:
		s.statusWorker = 0
	case UWSGIStatusCore:
		if s.statusWorker == 0 {
			return // a core line outside a status block: nothing to attribute it to
		}
		e := s.episode(s.statusWorker)
		r.StartText, r.StartLayout = ev.Since, TimeEpoch
		s.harakiriRequest(e, ev.Core, ev.Method, ev.URI, emit)
	case UWSGIWasManaging:
		e := s.episode(ev.Worker)
		if e.pid != ev.PID {
			// No banner of this process in the stream (it may have gone to
			// another batch): the line itself says the harakiri deadline passed.
			s.closeEpisode(e, emit)
			*e = episode{worker: ev.Worker, pid: ev.PID, seen: e.seen[:0]}
		}
		r.StartText, r.StartLayout = ev.Since, TimeCtime
		s.harakiriRequest(e, ev.Core, nil, ev.URI, emit)
	case UWSGIWorkerDied:
		if e := s.find(ev.Worker); e != nil && e.pid == ev.PID {
			s.closeEpisode(e, emit)
		}
		if ev.Signal > 0 {
			r.Kind, r.PID = KindWorkerKill, ev.PID
			s.emit(r, emit)
		}
	case UWSGIRespawned:
		if e := s.find(ev.Worker); e != nil {
			s.closeEpisode(e, emit)
		}
	case UWSGIListenQueueFull:
		r.Kind = KindListenQueueFull
		s.emit(r, emit)
	}
}

// harakiriRequest emits the timeout of a request a harakiri killed, once per
// episode however many tries and dumps name it.
func (s *Stream) harakiriRequest(e *episode, core int, method, uri []byte, emit func(*Record)) {
	if e.hasSeen(core, uri) {
		return
	}
	e.seen = append(e.seen, byte(core), byte(core>>8), 0)
	e.seen = append(e.seen, uri...)
	e.seen = append(e.seen, 0)
	e.counted++
	r := &s.rec
	r.Kind, r.Timeout, r.PID, r.Method, r.URI = KindTimeout, TimeoutHarakiri, e.pid, method, uri
	s.emit(r, emit)
}

func (e *episode) hasSeen(core int, uri []byte) bool {
	rest := e.seen
	for len(rest) >= 3 {
		c := int(rest[0]) | int(rest[1])<<8
		rest = rest[3:]
		end := bytes.IndexByte(rest, 0)
		if end < 0 {
			return false
		}
		if c == core && bytes.Equal(rest[:end], uri) {
			return true
		}
		rest = rest[end+1:]
	}
	return false
}

func (s *Stream) find(worker int) *episode {
	for i := range s.episodes {
		if s.episodes[i].worker == worker {
			return &s.episodes[i]
		}
	}
	return nil
}

func (s *Stream) episode(worker int) *episode {
	if e := s.find(worker); e != nil {
		return e
	}
	s.episodes = append(s.episodes, episode{worker: worker})
	return &s.episodes[len(s.episodes)-1]
}

// closeEpisode ends an episode; one that named no request killed an idle
// worker, which is no route's timeout.
func (s *Stream) closeEpisode(e *episode, emit func(*Record)) {
	if e.closed || e.pid == 0 && e.counted == 0 {
		e.closed = true
		return
	}
	e.closed = true
	if e.counted == 0 {
		r := &s.aux
		r.Reset()
		r.Kind, r.Source, r.PID, r.EventMS = KindHarakiriIdle, SourceUWSGI, e.pid, s.eventMS
		// The line that settles the episode is about when the worker died.
		r.TimeText, r.TimeLayout = s.rec.TimeText, s.rec.TimeLayout
		s.emit(r, emit)
	}
}
