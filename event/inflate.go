package event

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// MaxPayload bounds a decompressed payload by what CloudWatch Logs can
// send, so that a gzip bomb costs at most this much memory.
//
// CloudWatch Logs quota (PutLogEvents, "Amazon CloudWatch Logs quotas"): a
// batch holds at most 1,048,576 bytes of log events, counted as the sum of
// the UTF-8 messages plus 26 bytes per event, and at most 10,000 events;
// a subscription delivers such batches. Written as the payload JSON,
//
//   - a message byte takes at most 6 bytes: a control character is written
//     \u00XX; a 2- or 4-byte UTF-8 sequence written as \uXXXX or a surrogate
//     pair takes 3 per byte, '"' and '\' 2;
//   - an event adds {"id":"<56 digits>","timestamp":<at most 20>,
//     "message":""}, and a comma: 112 bytes, less than the 6 × 26 = 156
//     its 26 quota bytes could take as message;
//
// so the log events take at most 6 × 1,048,576 bytes, whatever the number
// of events. The rest — messageType, owner, logGroup and logStream (512
// characters each at most), two subscription filter names (512 each), each
// character escaped as a surrogate pair (12 bytes) — is under 32 KiB; the
// bound allows 64 KiB.
const MaxPayload = 6*1_048_576 + 64<<10 // 6,356,992 bytes

// maxData bounds the base64 text of a delivery: gzip stores incompressible
// data in blocks of at most 65,535 bytes with 5 bytes of framing, plus 18
// bytes of header and trailer, and base64 writes 4 bytes for 3. A longer
// text cannot hold a payload within MaxPayload (unless its gzip header
// carries a file name or comment, which CloudWatch Logs does not write):
// it is refused before it is decoded into memory.
const maxData = (MaxPayload + MaxPayload/1024 + 1024 + 2) / 3 * 4 // base64.StdEncoding.EncodedLen

// decodeData decodes base64 (the standard alphabet, padded) gzip data into
// the payload JSON, in d.payload.
func (d *Decoder) decodeData(b64 []byte) ([]byte, error) {
	if len(b64) > maxData {
		return nil, fmt.Errorf("%w: %d bytes of base64", ErrTooLarge, len(b64))
	}
	n := base64.StdEncoding.DecodedLen(len(b64))
	if cap(d.gz) < n {
		d.gz = make([]byte, n)
	}
	m, err := base64.StdEncoding.Decode(d.gz[:n], b64)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBase64, err)
	}
	return d.gunzip(d.gz[:m])
}

// gunzip decompresses gz into d.payload, reading at most MaxPayload+1
// bytes from the inflater.
//
// The buffer is sized before inflating from the gzip trailer's ISIZE (the
// uncompressed length mod 2^32), so that the payload is inflated in place
// without growing copies; ISIZE is not trusted beyond MaxPayload, and when
// it lies (the CRC-32 and length check at the end will fail the stream
// anyway) or the stream has several members, the buffer grows by doubling,
// never past MaxPayload+1. Inflating stops as soon as the bound is passed.
func (d *Decoder) gunzip(gz []byte) ([]byte, error) {
	d.inflated = 0
	d.br.Reset(gz)
	var err error
	if d.zr == nil {
		d.zr, err = gzip.NewReader(&d.br)
	} else {
		err = d.zr.Reset(&d.br)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrGzip, err)
	}
	want := 4096 // too short for a trailer: not a whole gzip stream
	if len(gz) >= 18 {
		want = MaxPayload + 1
		if isize := binary.LittleEndian.Uint32(gz[len(gz)-4:]); isize < MaxPayload {
			want = int(isize) + 1 // + 1: room to see the end without growing
		}
	}
	if cap(d.payload) < want {
		d.payload = make([]byte, 0, min(want+want/4, MaxPayload+1))
	}
	buf := d.payload[:0:min(cap(d.payload), MaxPayload+1)]
	for {
		if len(buf) == cap(buf) {
			if len(buf) > MaxPayload {
				break
			}
			grown := make([]byte, len(buf), min(max(2*cap(buf), 64<<10), MaxPayload+1))
			copy(grown, buf)
			buf, d.payload = grown, grown
		}
		k, err := d.zr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			d.inflated = len(buf)
			return nil, fmt.Errorf("%w: %v", ErrGzip, err)
		}
	}
	d.inflated = len(buf)
	if len(buf) > MaxPayload {
		return nil, fmt.Errorf("%w: over %d bytes inflated", ErrTooLarge, MaxPayload)
	}
	return buf, nil
}
