package event

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// bomb is a gzip stream of 300 MiB of zeros: 380 KB, a 500 KB Lambda
// event. Built once per test binary (a quarter of a second).
var bomb = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 300 {
		w.Write(zeros)
	}
	w.Close()
	return b.Bytes()
})

// withISIZE returns gz with the uncompressed size of its trailer replaced.
func withISIZE(gz []byte, size uint32) []byte {
	gz = bytes.Clone(gz)
	binary.LittleEndian.PutUint32(gz[len(gz)-4:], size)
	return gz
}

// TestGzipBomb: a payload that inflates past MaxPayload is ErrTooLarge,
// having read no more than MaxPayload+1 bytes from the inflater and
// allocated about that much, whatever its gzip trailer claims.
func TestGzipBomb(t *testing.T) {
	for _, tc := range []struct {
		name  string
		gz    []byte
		alloc uint64 // bytes it may allocate, beyond the gzip bytes
	}{
		// The trailer tells the truth (300 MiB): one buffer of the bound.
		{"honest size", bomb(), MaxPayload + 1 + 1<<20},
		// The trailer says 4 GiB: not trusted beyond the bound.
		{"size says 4 GiB", withISIZE(bomb(), 1<<32-1), MaxPayload + 1 + 1<<20},
		// The trailer says 100 bytes: the buffer doubles up to the bound.
		{"size says 100 bytes", withISIZE(bomb(), 100), 5*(MaxPayload+1)/2 + 1<<20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(base64.StdEncoding.EncodeToString(tc.gz))
			var d Decoder
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b, err := d.Decode(&Delivery{Input: InputCloudWatch, Data: data})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) || b != nil || ReasonOf(err) != ReasonTooLarge {
				t.Fatalf("%v, %v", err, b)
			}
			if d.inflated != MaxPayload+1 {
				t.Errorf("read %d bytes from the inflater, want MaxPayload+1 = %d", d.inflated, MaxPayload+1)
			}
			if cap(d.payload) > MaxPayload+1 {
				t.Errorf("payload buffer of %d bytes", cap(d.payload))
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tc.alloc+uint64(len(tc.gz)) {
				t.Errorf("allocated %d bytes, want at most %d", alloc, tc.alloc+uint64(len(tc.gz)))
			}
		})
	}
}

// atBound is a valid payload of exactly n bytes: one event of 'a's.
func atBound(n int) []byte {
	head := `{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"`
	tail := `"}]}`
	return []byte(head + strings.Repeat("a", n-len(head)-len(tail)) + tail)
}

// worstAtBound are the payloads within MaxPayload that cost the decoder
// the most memory beside the payload itself: as many log events as fit
// (each a record), and one message that must be unescaped whole (a copy).
func worstAtBound() (events, escaped []byte) {
	head, tail := `{"messageType":"DATA_MESSAGE","logEvents":[`, `]}`
	ev := `{"message":""},`
	n := (MaxPayload - len(head) - len(tail)) / len(ev)
	events = []byte(head + strings.Repeat(ev, n-1) + strings.TrimSuffix(ev, ",") + tail)
	one := atBound(MaxPayload)
	copy(one[len(one)-6:], `\"`)
	return events, one
}

// TestPayloadBound: a payload of MaxPayload bytes decodes, one byte more
// does not; a base64 text too long to hold any payload within the bound is
// refused before it is decoded.
func TestPayloadBound(t *testing.T) {
	var d Decoder
	data := b64gz(atBound(MaxPayload))
	b, err := d.Decode(&Delivery{Input: InputCloudWatch, Data: data})
	if err != nil || b.Len() != 1 || len(b.payload) != MaxPayload {
		t.Fatalf("payload of MaxPayload bytes: %v", err)
	}
	if cap(d.payload) != MaxPayload+1 {
		t.Errorf("buffer of %d bytes for a payload of %d: not sized by the gzip trailer", cap(d.payload), MaxPayload)
	}
	if _, err := d.Decode(&Delivery{Input: InputCloudWatch, Data: b64gz(atBound(MaxPayload + 1))}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("payload of MaxPayload+1 bytes: %v", err)
	}
	long := bytes.Repeat([]byte("A"), maxData+4)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = d.Decode(&Delivery{Input: InputCloudWatch, Data: long})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) || after.TotalAlloc-before.TotalAlloc > 1<<20 {
		t.Errorf("base64 of %d bytes: %v, %d bytes allocated", len(long), err, after.TotalAlloc-before.TotalAlloc)
	}
}

// rssChildEnv names the directory of events that the test binary, run as
// a child process by TestPeakRSS, decodes before it reports its peak RSS.
const rssChildEnv = "SLOWROUTES_EVENT_RSS_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(rssChildEnv); dir != "" {
		os.Exit(rssChild(dir))
	}
	os.Exit(m.Run())
}

// rssChild decodes every event file in dir and prints its peak RSS
// (VmHWM) in kB.
func rssChild(dir string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var d Decoder
	for _, f := range files {
		ev, err := os.ReadFile(f)
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		dels, err := d.Split(ev)
		if err != nil {
			fmt.Println("error:", f, err)
			return 1
		}
		for i := range dels {
			b, err := d.Decode(&dels[i])
			fmt.Printf("%s: %v\n", filepath.Base(f), err)
			if err == nil {
				for range b.Events() {
				}
			}
		}
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			fmt.Println("VmHWM", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		}
	}
	return 0
}

// TestPeakRSS: a process that decodes the gzip bomb, the largest payloads
// the bound admits (the costliest shapes too) and a production-size
// delivery peaks under 64 MB of resident memory (the bomb alone cost
// 176 MB when the bound was 64 MiB).
func TestPeakRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("needs /proc/self/status: %v", err)
		}
		t.Skipf("needs /proc/self/status (Linux): %v", err)
	}
	dir := t.TempDir()
	events, escaped := worstAtBound()
	for name, gz := range map[string][]byte{
		"1-bomb.json":    bomb(),
		"2-bound.json":   gzipBytes(atBound(MaxPayload)),
		"3-large.json":   gzipBytes(marshal(t, largePayload(t, 1<<20, 10_000))),
		"4-events.json":  gzipBytes(events),
		"5-escaped.json": gzipBytes(escaped),
	} {
		ev := `{"awslogs":{"data":"` + base64.StdEncoding.EncodeToString(gz) + `"}}`
		if err := os.WriteFile(filepath.Join(dir, name), []byte(ev), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), rssChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := "1-bomb.json: " + ErrTooLarge.Error()
	for _, ok := range []string{want, "2-bound.json: <nil>", "3-large.json: <nil>", "4-events.json: <nil>", "5-escaped.json: <nil>"} {
		if !strings.Contains(string(out), ok) {
			t.Fatalf("child decoded otherwise (%q):\n%s", ok, out)
		}
	}
	_, kb, ok := strings.Cut(string(out), "VmHWM ")
	n, err := strconv.Atoi(strings.TrimSpace(kb))
	if !ok || err != nil {
		t.Fatalf("no peak RSS in %s", out)
	}
	t.Logf("peak RSS %d kB", n)
	if n > 64_000 {
		t.Errorf("peak RSS %d kB, want at most 64 MB", n)
	}
}
