package parse

// UnixMilli reads the record's own timestamp as milliseconds since the
// epoch. ok is false when the line had none or it does not read. Layouts
// without a zone (uWSGI ctime, nginx error log) are read as UTC, as servers
// in containers write them. It does not allocate.
func (r *Record) UnixMilli() (ms int64, ok bool) {
	b := r.TimeText
	switch r.TimeLayout {
	case TimeEpoch: // "1795390237"
		s, ok := atoi(b)
		return int64(s) * 1000, ok
	case TimeCtime: // "Sun Nov 22 23:30:33 2026"; the day may be space-padded
		if len(b) != 24 {
			return 0, false
		}
		mon, ok1 := month(b[4:7])
		day, ok2 := atoi2(b[8:10])
		y, ok3 := atoi(b[20:24])
		sec, ok4 := clock(b[11:19])
		return toMillis(y, mon, day, sec, 0, 0), ok1 && ok2 && ok3 && ok4
	case TimeCLF: // "22/Nov/2026:23:30:34 +0000"
		if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' {
			return 0, false
		}
		day, ok1 := atoi2(b[0:2])
		mon, ok2 := month(b[3:6])
		y, ok3 := atoi(b[7:11])
		sec, ok4 := clock(b[12:20])
		off, ok5 := zone(b[21:26])
		return toMillis(y, mon, day, sec, 0, off), ok1 && ok2 && ok3 && ok4 && ok5
	case TimeNginxError: // "2026/11/22 23:30:34"
		if len(b) != 19 {
			return 0, false
		}
		y, ok1 := atoi(b[0:4])
		mon, ok2 := atoi2(b[5:7])
		day, ok3 := atoi2(b[8:10])
		sec, ok4 := clock(b[11:19])
		return toMillis(y, mon, day, sec, 0, 0), ok1 && ok2 && ok3 && ok4
	case TimeGunicorn: // "2026-11-22 23:31:08 +0000"
		if len(b) != 25 {
			return 0, false
		}
		y, ok1 := atoi(b[0:4])
		mon, ok2 := atoi2(b[5:7])
		day, ok3 := atoi2(b[8:10])
		sec, ok4 := clock(b[11:19])
		off, ok5 := zone(b[20:25])
		return toMillis(y, mon, day, sec, 0, off), ok1 && ok2 && ok3 && ok4 && ok5
	case TimeRFC3339: // "2026-11-22T23:30:33+00:00", "2026-11-22T23:30:33.123Z"
		if len(b) < 20 || b[10] != 'T' {
			return 0, false
		}
		y, ok1 := atoi(b[0:4])
		mon, ok2 := atoi2(b[5:7])
		day, ok3 := atoi2(b[8:10])
		sec, ok4 := clock(b[11:19])
		rest, frac := b[19:], 0
		if len(rest) > 0 && rest[0] == '.' {
			i, scale := 1, 100
			for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
				frac += int(rest[i]-'0') * scale
				scale /= 10
			}
			rest = rest[i:]
		}
		off, ok5 := 0, true
		switch {
		case len(rest) == 1 && rest[0] == 'Z':
		case len(rest) == 6 && rest[3] == ':':
			off, ok5 = zone([]byte{rest[0], rest[1], rest[2], rest[4], rest[5]})
		default:
			ok5 = false
		}
		return toMillis(y, mon, day, sec, frac, off), ok1 && ok2 && ok3 && ok4 && ok5
	}
	return 0, false
}

func atoi2(b []byte) (int, bool) {
	if len(b) == 2 && b[0] == ' ' {
		b = b[1:]
	}
	return atoi(b)
}

// clock reads "HH:MM:SS" as seconds of the day.
func clock(b []byte) (int, bool) {
	if len(b) != 8 || b[2] != ':' || b[5] != ':' {
		return 0, false
	}
	h, ok1 := atoi(b[0:2])
	m, ok2 := atoi(b[3:5])
	s, ok3 := atoi(b[6:8])
	return h*3600 + m*60 + s, ok1 && ok2 && ok3 && h < 24 && m < 60 && s < 61
}

// zone reads "+0100" as seconds east of UTC.
func zone(b []byte) (int, bool) {
	if len(b) != 5 || b[0] != '+' && b[0] != '-' {
		return 0, false
	}
	h, ok1 := atoi(b[1:3])
	m, ok2 := atoi(b[3:5])
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, ok1 && ok2
}

func month(b []byte) (int, bool) {
	switch string(b) {
	case "Jan":
		return 1, true
	case "Feb":
		return 2, true
	case "Mar":
		return 3, true
	case "Apr":
		return 4, true
	case "May":
		return 5, true
	case "Jun":
		return 6, true
	case "Jul":
		return 7, true
	case "Aug":
		return 8, true
	case "Sep":
		return 9, true
	case "Oct":
		return 10, true
	case "Nov":
		return 11, true
	case "Dec":
		return 12, true
	}
	return 0, false
}

// toMillis converts a civil date and time to Unix milliseconds (days from
// civil, Howard Hinnant's algorithm): cheaper than time.Date on the hot path.
func toMillis(y, m, d, secOfDay, ms, offset int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := int64(era*146097+doe) - 719468
	return (days*86400+int64(secOfDay)-int64(offset))*1000 + int64(ms)
}
