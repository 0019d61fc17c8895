package parse

// Times are microseconds since the Unix epoch. Lines that carry no zone —
// uWSGI's ctime and its --logdate "%Y-%m-%d %H:%M:%S", nginx's error log —
// are read as UTC: the servers write local time, and the containers that
// ship to CloudWatch Logs run on UTC.

// TimeLayout says how a time in a line is written.
type TimeLayout uint8

const (
	TimeNone    TimeLayout = iota
	TimeCtime              // "Sun Nov 22 22:42:10 2026" (uWSGI), day space-padded
	TimeCLF                // "22/Nov/2026:22:42:10 +0000" (nginx $time_local, gunicorn %(t)s)
	TimeYMD                // "2026/11/22 22:42:10" (nginx error log), "2026-11-22 22:42:10 +0000" (gunicorn), "2026-11-22 22:42:10,123" (Python asctime); zone and fraction optional
	TimeRFC3339            // "2026-11-22T22:42:10+00:00", "2026-11-22T22:42:10.123Z" (nginx $time_iso8601, JSON loggers)
	TimeEpoch              // "1795387330" or "1795387330.123" seconds (uWSGI "since", nginx $msec)
	TimeEpochMS            // "1795387330123" milliseconds (JSON loggers' numeric timestamps)
	numLayouts
)

// LayoutOf tells the layout of a time from its shape, for a field that may
// hold any of them (a uWSGI --logdate prefix, a JSON "time" member).
func LayoutOf(b []byte) TimeLayout {
	switch n := len(b); {
	case n == 24 && b[3] == ' ' && b[7] == ' ':
		return TimeCtime
	case n >= 20 && b[2] == '/' && b[6] == '/':
		return TimeCLF
	case n >= 19 && (b[4] == '-' || b[4] == '/'):
		if b[10] == 'T' {
			return TimeRFC3339
		}
		return TimeYMD
	case n >= 9 && b[0] >= '1' && b[0] <= '9':
		dot := n
		for i, c := range b {
			if c == '.' {
				dot = i
				break
			}
			if c < '0' || c > '9' {
				return TimeNone
			}
		}
		if dot >= 13 {
			return TimeEpochMS
		}
		return TimeEpoch
	}
	return TimeNone
}

// ParseTime reads a time written in layout l as microseconds since the
// epoch. It does not allocate.
func ParseTime(l TimeLayout, b []byte) (int64, bool) {
	switch l {
	case TimeCtime:
		return parseCtime(b)
	case TimeCLF:
		return parseCLF(b)
	case TimeYMD, TimeRFC3339:
		return parseYMD(b)
	case TimeEpoch, TimeEpochMS:
		unit := int64(1e6)
		if l == TimeEpochMS {
			unit = 1000
		}
		us, ok := decimalToMicros(b, unit)
		return us, ok && us <= maxUS
	}
	return 0, false
}

// maxUS is the end of year 9999, the last time the other layouts can write.
const maxUS = 253402300799_999999

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func month(b []byte) int {
	for i, m := range months {
		if string(b) == m {
			return i + 1
		}
	}
	return 0
}

// parseCtime reads "Sun Nov 22 22:42:10 2026" (C's ctime, as uWSGI writes it).
func parseCtime(b []byte) (int64, bool) {
	if len(b) != 24 || b[3] != ' ' || b[7] != ' ' || b[10] != ' ' || b[19] != ' ' {
		return 0, false
	}
	day := b[8:10]
	if day[0] == ' ' {
		day = day[1:]
	}
	d, okD := atoi(day)
	y, okY := atoi(b[20:24])
	if !okD || !okY {
		return 0, false
	}
	return civil(y, month(b[4:7]), d, b[11:19], 0)
}

// parseCLF reads "22/Nov/2026:22:42:10 +0000".
func parseCLF(b []byte) (int64, bool) {
	if len(b) < 20 || b[2] != '/' || b[6] != '/' || b[11] != ':' {
		return 0, false
	}
	d, okD := atoi(b[0:2])
	y, okY := atoi(b[7:11])
	if !okD || !okY {
		return 0, false
	}
	off, ok := zone(b[20:])
	if !ok {
		return 0, false
	}
	return civil(y, month(b[3:6]), d, b[12:20], off)
}

// parseYMD reads "2026-11-22 22:42:10" with '-' or '/' between the date's
// parts and ' ' or 'T' before the time, then an optional fraction ('.' or
// ',') and an optional zone ("Z", "+00:00", " +0000").
func parseYMD(b []byte) (int64, bool) {
	if len(b) < 19 || b[4] != b[7] || b[4] != '-' && b[4] != '/' || b[10] != ' ' && b[10] != 'T' {
		return 0, false
	}
	y, okY := atoi(b[0:4])
	m, okM := atoi(b[5:7])
	d, okD := atoi(b[8:10])
	if !okY || !okM || !okD {
		return 0, false
	}
	rest := b[19:]
	var frac int64
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		scale := int64(100000)
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			frac += int64(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return 0, false
		}
		rest = rest[i:]
	}
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	off, ok := zone(rest)
	if !ok {
		return 0, false
	}
	us, ok := civil(y, m, d, b[11:19], off)
	return us + frac, ok
}

// zone reads "", "Z", "+0100", "+01:00" (or a space before the sign) as
// seconds east of UTC.
func zone(b []byte) (int64, bool) {
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	var hb, mb []byte
	switch {
	case len(b) == 0 || len(b) == 1 && b[0] == 'Z':
		return 0, true
	case len(b) == 5:
		hb, mb = b[1:3], b[3:5]
	case len(b) == 6 && b[3] == ':':
		hb, mb = b[1:3], b[4:6]
	default:
		return 0, false
	}
	if b[0] != '+' && b[0] != '-' {
		return 0, false
	}
	h, okH := atoi(hb)
	m, okM := atoi(mb)
	if !okH || !okM || h > 23 || m > 59 {
		return 0, false
	}
	off := int64(h*3600 + m*60)
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// civil turns a date, a "15:04:05" clock and a zone offset into
// microseconds since the epoch (Howard Hinnant's days_from_civil).
func civil(y, m, d int, hms []byte, offset int64) (int64, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999 || len(hms) != 8 || hms[2] != ':' || hms[5] != ':' {
		return 0, false
	}
	hh, ok1 := atoi(hms[0:2])
	mm, ok2 := atoi(hms[3:5])
	ss, ok3 := atoi(hms[6:8])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return 0, false
	}
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := int64(era*146097 + doe - 719468)
	secs := days*86400 + int64(hh*3600+mm*60+ss) - offset
	return secs * 1e6, true
}

// timeCache remembers the last time read in each layout: lines of one
// stream mostly share their second, and reading a time costs more than
// comparing its text.
type timeCache struct {
	text [numLayouts][32]byte
	n    [numLayouts]uint8
	us   [numLayouts]int64
}

func (c *timeCache) parse(l TimeLayout, b []byte) (int64, bool) {
	if l == TimeNone || len(b) == 0 {
		return 0, false
	}
	if len(b) <= 32 && int(c.n[l]) == len(b) && string(c.text[l][:len(b)]) == string(b) {
		return c.us[l], true
	}
	us, ok := ParseTime(l, b)
	if ok && len(b) <= 32 {
		c.n[l] = uint8(copy(c.text[l][:], b))
		c.us[l] = us
	}
	return us, ok
}
