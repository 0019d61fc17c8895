package parse

import "bytes"

// Parse reads a line written in format f. ok is false when the line does not
// fit the format; err is set when it fits the format's literals but a value
// is not what its variable holds (a status that is not a number, a broken
// request line). The record and a alias line; they are written only when ok,
// and, as by the other parsers of this package, only the fields the line
// carries: reset them between lines. a may be nil when only the record is
// wanted.
//
// Each value ends at the first occurrence of the literal after it, with
// three exceptions: a quote written \" (nginx escape=json, Apache,
// gunicorn) is part of the value; a space inside an nginx upstream list
// ("502, 200") is too; and a format that ends with a literal reads only
// lines that end with it, the last value running up to it. When the rest of
// a line does not fit, a free-text value is extended to the next occurrence
// of its literal (uWSGI and escape=none write quotes raw), a bounded number
// of times.
func (f *LogFormat) Parse(line []byte, r *Record, a *AccessFields) (ok bool, err error) {
	if len(f.prefix) > 0 && (len(line) < len(f.prefix) || string(line[:len(f.prefix)]) != string(f.prefix)) || len(line) > 1<<30 {
		return false, nil // (spans are int32)
	}
	var sp lineSpans
	if !f.matchLinear(line, &sp) {
		sp = lineSpans{} // what the linear match noted before it failed does not count
		if ok, err = f.matchBacktracking(line, &sp); !ok || err != nil {
			return ok, err
		}
	}
	return true, f.commit(line, &sp, r, a)
}

// matchBacktracking is the slow path of Parse, for lines whose values hold
// their closing literal, and for lines that do not fit.
func (f *LogFormat) matchBacktracking(line []byte, sp *lineSpans) (ok bool, err error) {
	var ends [maxCaptures]int32
	budget := backtrackBudget
	if f.match(line, len(f.prefix), 0, &ends, &budget, true) {
		pos := len(f.prefix)
		for i := range f.fields {
			fd := &f.fields[i]
			if fd.role != roleNone {
				sp.set(line, f, i, pos, int(ends[i]))
			}
			pos = int(ends[i]) + len(fd.after)
		}
		return true, nil
	}
	// Does it fit the literals, with a value that is not what it should be?
	budget = backtrackBudget
	if !f.match(line, len(f.prefix), 0, &ends, &budget, false) {
		return false, nil
	}
	pos := len(f.prefix)
	for i := range f.fields {
		if !f.fields[i].valid(line[pos:ends[i]]) {
			return true, f.fields[i].malformation()
		}
		pos = int(ends[i]) + len(f.fields[i].after)
	}
	return true, BadShape
}

// hasLiteralAt says whether line holds lit at i.
func hasLiteralAt(line []byte, i int, lit []byte) bool {
	if i < 0 || len(line)-i < len(lit) {
		return false
	}
	for k, c := range lit {
		if line[i+k] != c {
			return false
		}
	}
	return true
}

// indexLiteral is bytes.Index for the short literals of a format: the
// values before them are short, so finding the first byte and comparing
// the rest beats a general substring search.
func indexLiteral(s, lit []byte) int {
	if len(lit) > 4 {
		return bytes.Index(s, lit)
	}
	c := lit[0]
	for i := 0; ; {
		j := bytes.IndexByte(s[i:], c)
		if j < 0 {
			return -1
		}
		i += j
		if i+len(lit) > len(s) {
			return -1
		}
		switch len(lit) {
		case 4:
			if s[i+3] != lit[3] {
				break
			}
			fallthrough
		case 3:
			if s[i+2] != lit[2] {
				break
			}
			fallthrough
		case 2:
			if s[i+1] == lit[1] {
				return i
			}
		case 1:
			return i
		}
		i++
	}
}

// findEnd returns where the value of field i, which starts at pos, ends
// when the search starts at from; -1 when it cannot.
func (f *LogFormat) findEnd(line []byte, pos, from, i int) int {
	fd := &f.fields[i]
	if fd.after == nil {
		if from > pos {
			return -1 // the rest of the line has one end only
		}
		return len(line)
	}
	if fd.last {
		// A format that ends with a literal ends where the line does: the
		// value runs to it even when it holds the literal (unescaped values).
		if from > pos || !bytes.HasSuffix(line[pos:], fd.after) {
			return -1
		}
		return len(line) - len(fd.after)
	}
	idx := f.find(line, pos, from, fd.after)
	for idx >= 0 && fd.list && isListSeparator(line, idx) {
		idx = f.find(line, pos, idx+1, fd.after)
	}
	return idx
}

// match reads fields i... from line[pos:]. A free-text value that runs into
// its closing literal too early (a raw quote in a value) is extended to the
// next occurrence when the rest of the line does not fit.
func (f *LogFormat) match(line []byte, pos, i int, ends *[maxCaptures]int32, budget *int, validate bool) bool {
	for ; i < len(f.fields); i++ {
		fd := &f.fields[i]
		idx := f.findEnd(line, pos, pos, i)
		if idx < 0 {
			return false
		}
		if fd.free && fd.after != nil {
			for {
				ends[i] = int32(idx)
				if f.match(line, idx+len(fd.after), i+1, ends, budget, validate) {
					return true
				}
				if *budget--; *budget <= 0 {
					return false
				}
				if idx = f.findEnd(line, pos, idx+1, i); idx < 0 {
					return false
				}
			}
		}
		if validate && !fd.valid(line[pos:idx]) {
			return false
		}
		ends[i] = int32(idx)
		pos = idx + len(fd.after)
	}
	return true
}

// find returns the index of lit in line at or after from. With backslash
// escaping a quote preceded by an odd number of backslashes (within the
// value, which starts at start) is part of the value.
func (f *LogFormat) find(line []byte, start, from int, lit []byte) int {
	for from <= len(line) {
		i := indexLiteral(line[from:], lit)
		if i < 0 {
			return -1
		}
		i += from
		if f.esc != escBackslash || lit[0] != '"' {
			return i
		}
		n := 0
		for j := i - 1; j >= start && line[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i
		}
		from = i + 1
	}
	return -1
}
