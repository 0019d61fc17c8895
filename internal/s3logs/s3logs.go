// Package s3logs reads log objects from S3 — AWS load balancers' access
// logs, gzip objects of five minutes each — as lines: one object streamed
// and gunzipped, or every object under an s3://bucket/prefix whose key
// time falls in a range, into a pipeline.
package s3logs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"

	"github.com/slowroutes/slowroutes/pipeline"
)

// Client is what s3logs needs of an S3 client (*s3.Client).
type Client interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// ClientOptions are the options of the S3 clients that read logs: objects
// that load balancers write carry no checksum to validate (the SDK would
// log so for each), and an endpoint of one's own (AWS_ENDPOINT_URL: MinIO,
// moto, LocalStack) seldom serves buckets as host names.
func ClientOptions(cfg aws.Config) func(*s3.Options) {
	return func(o *s3.Options) {
		o.DisableLogOutputChecksumValidationSkipped = true
		o.UsePathStyle = cfg.BaseEndpoint != nil
	}
}

// ObjectSpan is the time one load balancer log object covers: ALB nodes
// write one object per five minutes, named by the interval's end.
const ObjectSpan = 5 * time.Minute

// ParseURL splits s3://bucket/prefix.
func ParseURL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q: not an s3://bucket/prefix URL", u)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q: no bucket", u)
	}
	return bucket, prefix, nil
}

// KeyTime returns the end of the interval an access-log object covers, from
// its key: Elastic Load Balancing names objects
//
//	bucket[/prefix]/AWSLogs/aws-account-id/elasticloadbalancing/region/yyyy/mm/dd/aws-account-id_elasticloadbalancing_region_app.load-balancer-id_end-time_ip-address_random-string.log.gz
//
// with end-time as 20140215T2340Z (Application Load Balancer User Guide,
// "Access log file"). ok is false for a key without such a time.
func KeyTime(key string) (end time.Time, ok bool) {
	for _, f := range strings.Split(path.Base(key), "_") {
		if len(f) == 14 && f[8] == 'T' && f[13] == 'Z' {
			if t, err := time.Parse("20060102T1504Z", f); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// regionPrefix matches a prefix that ends at the region of an
// elasticloadbalancing log tree, under which keys start with yyyy/mm/dd/.
var regionPrefix = regexp.MustCompile(`(^|/)AWSLogs/[0-9]{12}/elasticloadbalancing/[a-z0-9-]+/$`)

// Progress says how far a Reader got.
type Progress struct {
	Listed  int    // objects listed under the prefix
	Read    int    // objects read
	Skipped int    // objects outside the time range
	Bytes   int64  // bytes read (as stored: compressed)
	Lines   int64  // lines read
	Key     string // the object being read
	Latest  time.Time
}

// Reader feeds S3 objects into one Pipeline, reusing its buffers.
type Reader struct {
	S3       Client
	Pipeline *pipeline.Pipeline
	// Since and Until bound the objects read by their key time (zero: no
	// bound): an object is read when the five minutes it covers meet
	// [Since, Until]. Objects whose key has no time are always read.
	Since, Until time.Time
	// OnProgress, if set, is called after each object and every few
	// thousand lines.
	OnProgress func(Progress)

	pr    Progress
	lines Lines
}

// URL reads every object under s3://bucket/prefix in the time range, as
// one stream named by the URL. It stops at the first object it cannot
// read, or when ctx ends.
func (r *Reader) URL(ctx context.Context, u string) error {
	bucket, prefix, err := ParseURL(u)
	if err != nil {
		return err
	}
	stream := r.Pipeline.Stream(nil, []byte(u))
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	dated := regionPrefix.MatchString(prefix)
	if dated && !r.Since.IsZero() {
		// yyyy/mm/dd/ follows the prefix: start at the day before Since.
		in.StartAfter = aws.String(prefix + r.Since.UTC().Add(-24*time.Hour).Format("2006/01/02/"))
	}
	pages := s3.NewListObjectsV2Paginator(r.S3, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			r.pr.Listed++
			if dated && !r.Until.IsZero() && keyDayAfter(key[len(prefix):], r.Until) {
				return nil // the keys that follow are later still
			}
			if !r.inRange(key) {
				r.pr.Skipped++
				continue
			}
			if err := r.object(ctx, bucket, key, stream); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyDayAfter says whether rest, a key after a region prefix
// (yyyy/mm/dd/...), is of a day after until's.
func keyDayAfter(rest string, until time.Time) bool {
	if len(rest) < 11 || rest[4] != '/' || rest[7] != '/' || rest[10] != '/' {
		return false
	}
	day, err := time.Parse("2006/01/02", rest[:10])
	return err == nil && day.After(until.UTC().Add(24*time.Hour))
}

func (r *Reader) inRange(key string) bool {
	end, ok := KeyTime(key)
	if !ok {
		return true
	}
	return (r.Since.IsZero() || !end.Before(r.Since)) && (r.Until.IsZero() || !end.Add(-ObjectSpan).After(r.Until))
}

// Object reads one object into the stream named s3://bucket/key.
func (r *Reader) Object(ctx context.Context, bucket, key string) error {
	return r.object(ctx, bucket, key, r.Pipeline.Stream(nil, []byte("s3://"+bucket+"/"+key)))
}

func (r *Reader) object(ctx context.Context, bucket, key string, stream *pipeline.Stream) error {
	r.pr.Key = key
	if end, ok := KeyTime(key); ok && end.After(r.pr.Latest) {
		r.pr.Latest = end
	}
	n, err := r.lines.Object(ctx, r.S3, bucket, key, func(line []byte) {
		r.Pipeline.Line(stream, line, 0)
		if r.pr.Lines++; r.pr.Lines%4096 == 0 && r.OnProgress != nil {
			r.OnProgress(r.pr)
		}
	}, r.Pipeline.LineTooLong)
	r.pr.Bytes += n
	if err != nil {
		return err
	}
	r.pr.Read++
	if r.OnProgress != nil {
		r.OnProgress(r.pr)
	}
	return nil
}

// Progress returns how far the Reader got.
func (r *Reader) Progress() Progress { return r.pr }

// Lines streams objects line by line with reused buffers.
type Lines struct {
	lr pipeline.LineReader
	br *bufio.Reader
	zr *gzip.Reader
}

// Object streams s3://bucket/key, gunzipped when it is gzip, calling fn for
// each line (valid only during the call) and tooLong for each line over
// pipeline.MaxLineLen. It returns the bytes read from S3. An error means
// the object was not read to its end: its lines so far were passed to fn.
func (l *Lines) Object(ctx context.Context, c Client, bucket, key string, fn func([]byte), tooLong func()) (int64, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return 0, fmt.Errorf("getting s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	cr := &countingReader{r: out.Body}
	if err := l.Read(cr, fn, tooLong); err != nil {
		return cr.n, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	return cr.n, nil
}

// Read streams r, gunzipped when it starts with gzip's magic bytes.
func (l *Lines) Read(r io.Reader, fn func([]byte), tooLong func()) error {
	if l.br == nil {
		l.br = bufio.NewReaderSize(r, 64<<10)
	} else {
		l.br.Reset(r)
	}
	var in io.Reader = l.br
	if head, _ := l.br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		var err error
		if l.zr == nil {
			l.zr, err = gzip.NewReader(l.br)
		} else {
			err = l.zr.Reset(l.br)
		}
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		in = l.zr
	}
	if err := l.lr.Each(in, fn, tooLong); err != nil {
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
			return fmt.Errorf("gzip: %w", err)
		}
		return err
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
