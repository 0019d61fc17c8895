package join

// An app's own request line often has neither a request id nor a time:
//
//	{"event":"request_finished","pid":6843,"method":"GET","path":"/","route":"/","status":200,"duration_ms":0.2}
//
// but its worker's record of the same request is next to it in the same
// stream, under the same pid: uWSGI writes its request-log line right
// after the app's (2.0.21), gunicorn's arbiter its WORKER TIMEOUT right
// before the app's line about the aborted request. So such a line waits,
// per stream and pid, for the worker's next record of its path, or joins
// the outcome of the worker's kill just before it. A line with a request id joins by id.
// Neither kind ever joins by time alone.

// maxPending bounds the app lines of one worker waiting for its records:
// a threaded worker (uWSGI --threads) runs several requests at once, and
// its app may write two lines before uWSGI writes either request's.
const maxPending = 4

// worker is what the join remembers of one worker process of one stream.
type worker struct {
	key    uint64               // workerKey; 0 for a free slot
	apps   [maxPending]evidence // app lines waiting for their worker's records, oldest first
	n      int
	killed uint64 // the outcome of the worker's last kill, for the app line after it
	last   int64  // log time of the worker's last line
}

func workerKey(stream uint32, pid int) uint64 { return uint64(stream)<<32 | uint64(uint32(pid)) }

// workers holds the workers heard of lately, in slots that are reused, so
// that workers coming and going (every harakiri respawns one) allocate nothing.
type workers struct {
	byKey index // workerKey -> slot+1
	slots []worker
	free  []uint64
}

// get returns the worker of k; with add, a new one when there is none.
func (ws *workers) get(k uint64, add bool) *worker {
	if i, ok := ws.byKey.get(k); ok {
		return &ws.slots[i-1]
	}
	if !add {
		return nil
	}
	var i uint64
	if n := len(ws.free); n > 0 {
		i, ws.free = ws.free[n-1], ws.free[:n-1]
	} else {
		ws.slots = append(ws.slots, worker{})
		i = uint64(len(ws.slots))
	}
	w := &ws.slots[i-1]
	*w = worker{key: k}
	ws.byKey.put(k, i)
	return w
}

func (ws *workers) remove(i int) {
	ws.byKey.del(ws.slots[i].key)
	ws.slots[i] = worker{}
	ws.free = append(ws.free, uint64(i+1))
}

// addApp joins an app line.
func (j *Joiner) addApp(ev *evidence) {
	if ev.hasID {
		if j.byRequestID(ev) == nil {
			j.open(ev)
		}
		return
	}
	if ev.pid <= 0 {
		j.settleAlone(ev) // nothing could ever join it
		return
	}
	w := j.workers.get(workerKey(ev.stream, ev.pid), true)
	w.last = ev.at
	if o := j.live(w.killed); o != nil && w.killed != 0 && o.slots&slotApp == 0 && o.sameRequest(ev) {
		j.attach(o, ev, false)
		w.killed = 0
		return
	}
	if w.n == maxPending {
		j.settleAlone(&w.apps[0])
		copy(w.apps[:], w.apps[1:])
		w.n--
	}
	w.apps[w.n] = *ev
	w.n++
	w.killed = 0
}

// pairWorker gives the worker's outcome o the app line that waits for it,
// and remembers a kill for the app line that may follow it.
func (j *Joiner) pairWorker(o *outcome, ev *evidence) {
	w := j.workers.get(workerKey(ev.stream, ev.pid), ev.kill)
	if w == nil {
		return
	}
	if o.slots&slotApp == 0 {
		for i := 0; i < w.n; i++ {
			a := &w.apps[i]
			if o.sameRequest(a) && (ev.kill || a.status == ev.status) {
				j.attach(o, a, false)
				copy(w.apps[i:], w.apps[i+1:w.n])
				w.n--
				break
			}
		}
	}
	w.killed, w.last = 0, ev.at
	if ev.kill {
		w.killed = o.seq
	}
}

// sweep settles the app lines of workers not heard of for the window, and
// forgets those workers. (An app line has no time of its own: its stream's
// last time stands for it, which is older the sparser the stream.)
func (j *Joiner) sweep(limit int64) {
	ws := &j.workers
	for i := range ws.slots {
		w := &ws.slots[i]
		if w.key != 0 && w.last == 0 {
			w.last = j.wm // heard of before any time was known
		}
		if w.key == 0 || w.last >= limit {
			continue
		}
		for k := 0; k < w.n; k++ {
			j.settleAlone(&w.apps[k])
		}
		ws.remove(i)
	}
}

// flushWorkers settles every app line still waiting.
func (j *Joiner) flushWorkers() {
	ws := &j.workers
	for i := range ws.slots {
		w := &ws.slots[i]
		for k := 0; k < w.n; k++ {
			j.settleAlone(&w.apps[k])
		}
		if w.key != 0 {
			ws.remove(i)
		}
	}
}
