package parse

import (
	"bytes"
	"encoding/binary"
)

// matchOp is what matchLinear needs of one field, packed in 32 bytes so
// that a whole format's program sits in a few cache lines: the literal
// after the value as a word (its first four bytes, compared with one load
// and a mask), how the value's end is found, and where the value goes.
//
// A field followed by one that is usually "-" also holds the fused
// literal of both: this literal, "-", the next one (" - - [" after
// $remote_addr in nginx's combined, ` "-" "` before the user agent). One
// 8-byte compare then reads the missing value and both literals.
type matchOp struct {
	lit      uint32 // first min(4, litLen) bytes of the literal, little endian (stepSuffix: its last bytes, as they end the line)
	mask     uint32 // the bytes of lit that count
	bit      uint32 // 1 << role
	fused    uint64 // this literal, "-" and the next field's literal, little endian
	fuseMask uint64 // 0: no fused literal
	width    int32  // the value's usual width, tried first (CLF times); 0 for none
	litLen   uint8  // len(formatField.after): at most maxLiteral
	fuseLen  uint8  // len of the fused literal
	step     uint8  // stepNumber, stepByte, stepLiteral, stepSuffix, stepGeneral
	fast     uint8  // step, or stepSlow when only endOf can read the field (a literal over four bytes)
	role     role
	flags    uint8
}

const (
	opCheck   = 1 << iota // the value is validated (formatField.check)
	opSpecial             // lineSpans.set decides whether the value is kept
	opStatus              // a three-digit status
	opDecimal             // a number may hold a dot
	opDash                // the value may be a lone "-": tried first
	opLong                // the literal is longer than four bytes
)

// stepSlow marks a field matchLinear leaves to endOf.
const stepSlow = 255

// compileOps builds the program of f's fields.
func (f *LogFormat) compileOps() {
	f.ops = make([]matchOp, len(f.fields))
	for i := range f.fields {
		fd, op := &f.fields[i], &f.ops[i]
		op.step, op.fast, op.role, op.width = fd.step, fd.step, fd.role, fd.width
		op.litLen = uint8(len(fd.after))
		for k := 0; k < len(fd.after) && k < 4; k++ {
			op.lit |= uint32(fd.after[k]) << (8 * k)
			op.mask |= 0xff << (8 * k)
		}
		if fd.check {
			op.flags |= opCheck
		}
		if fd.special {
			op.flags |= opSpecial
		}
		if fd.v == varStatus {
			op.flags |= opStatus
		}
		if fd.number == numberDecimal {
			op.flags |= opDecimal
		}
		if len(fd.after) > 0 && fd.after[0] != '-' {
			op.flags |= opDash
		}
		if len(fd.after) > 4 {
			op.flags |= opLong
			if op.fast != stepGeneral {
				op.fast = stepSlow
			}
		}
		if op.step == stepSuffix && len(fd.after) <= 4 {
			// Compared with the line's last four bytes.
			op.lit <<= 32 - 8*len(fd.after)
			op.mask <<= 32 - 8*len(fd.after)
		}
		op.bit = 1 << op.role
	}
	for i := 0; i+1 < len(f.ops); i++ {
		op, next := &f.ops[i], &f.ops[i+1]
		fused := string(f.fields[i].after) + "-" + string(f.fields[i+1].after)
		// Only the variables we skip are fused: $remote_user, $http_referer, %l, %u...
		if v := f.fields[i+1].v; v != varSkip && v != varSkipInt ||
			next.flags&opDash == 0 || next.flags&(opCheck|opSpecial) != 0 || len(fused) > 8 ||
			next.step != stepLiteral && next.step != stepByte || op.flags&opLong != 0 {
			continue
		}
		for k := 0; k < len(fused); k++ {
			op.fused |= uint64(fused[k]) << (8 * k)
			op.fuseMask |= 0xff << (8 * k)
		}
		op.fuseLen = uint8(len(fused))
	}
}

// wordAt says whether line holds the (short) literal of op at i, by one
// load and a mask; false also when i is too close to the end to tell.
func (op *matchOp) wordAt(line []byte, i int) bool {
	return uint(i)+4 <= uint(len(line)) && binary.LittleEndian.Uint32(line[i:])&op.mask == op.lit
}

// matchLinear reads the fields taking the first fitting occurrence of each
// literal: right for every line whose values do not contain their closing
// literal, which escaping guarantees for most servers. The loop tries what
// usually decides a field in a few instructions; endOf does the rest.
func (f *LogFormat) matchLinear(line []byte, sp *lineSpans) bool {
	pos := len(f.prefix)
	ops := f.ops // a local: the stores into sp cannot change it
	has := sp.has
	for i := 0; i < len(ops); i++ {
		op := &ops[i]
		idx := -1
		switch op.fast {
		case stepLiteral, stepByte:
			switch {
			case op.width > 0 && op.wordAt(line, pos+int(op.width)):
				idx = pos + int(op.width)
			case op.flags&opDash != 0 && pos < len(line) && line[pos] == '-' && op.wordAt(line, pos+1):
				idx = pos + 1 // "-", the value of most missing fields
			default:
				if j := bytes.IndexByte(line[pos:], byte(op.lit)); j >= 0 && op.wordAt(line, pos+j) {
					idx = pos + j
				}
			}
		case stepNumber:
			j := pos
			for j < len(line) && line[j]-'0' <= 9 {
				j++
			}
			if j > pos && op.wordAt(line, j) {
				if op.flags&opStatus == 0 {
					idx = j
				} else if j-pos == 3 {
					// The status, read here while its digits are at hand.
					idx, sp.status = j, uint16(line[pos]-'0')*100+uint16(line[pos+1]-'0')*10+uint16(line[pos+2]-'0')
				}
			}
		case stepSuffix:
			// The literal ends the line: compare the line's last four bytes.
			if j := len(line) - int(op.litLen); j >= pos && len(line) >= 4 && binary.LittleEndian.Uint32(line[len(line)-4:])&op.mask == op.lit {
				idx = j
			}
		case stepGeneral:
			// Quoted values with escapes, lists, the rest of the line: no
			// quick try settles them, findEnd does.
			if idx = f.findEnd(line, pos, pos, i); idx < 0 {
				return false
			}
		}
		if idx < 0 || op.flags&(opCheck|opSpecial) != 0 {
			switch {
			case idx < 0 || op.flags&opSpecial != 0:
				sp.has = has
				if idx = f.endOf(line, sp, i, pos, idx); idx < 0 {
					return false
				}
				has = sp.has
			case !f.fields[i].valid(line[pos:idx]): // a value to check, found quickly
				return false
			case op.role != roleNone:
				sp.at[op.role] = span{int32(pos), int32(idx)}
				has |= op.bit
			}
		} else if op.role != roleNone {
			sp.at[op.role] = span{int32(pos), int32(idx)}
			has |= op.bit // in a register: sp.has is stored once
		}
		if op.fuseMask != 0 && uint(idx)+8 <= uint(len(line)) && binary.LittleEndian.Uint64(line[idx:])&op.fuseMask == op.fused {
			// The next field is "-": read it with both literals.
			i++
			if next := &ops[i]; next.role != roleNone {
				dash := idx + int(op.litLen)
				sp.at[next.role] = span{int32(dash), int32(dash + 1)}
				has |= next.bit
			}
			pos = idx + int(op.fuseLen)
			continue
		}
		pos = idx + int(op.litLen)
	}
	sp.has = has
	return true
}

// endOf is matchLinear's slow path for field i, which starts at pos: it
// finds where the value ends when the fast try (idx, -1 if it failed) did
// not, checks the value and notes it in sp. It returns -1 when the line
// does not fit.
func (f *LogFormat) endOf(line []byte, sp *lineSpans, i, pos, idx int) int {
	op, after := &f.ops[i], f.fields[i].after
	if idx < 0 {
		switch op.step {
		case stepNumber:
			// A number ends where its digits do; its literal must follow.
			j := pos
			for j < len(line) && (line[j] >= '0' && line[j] <= '9' || line[j] == '.' && op.flags&opDecimal != 0) {
				j++
			}
			if j == pos && j < len(line) && line[j] == '-' {
				j++
			}
			if !hasLiteralAt(line, j, after) || op.flags&opStatus != 0 && j-pos != 3 {
				return -1
			}
			idx = j
		case stepSuffix:
			if idx = len(line) - len(after); idx < pos || !hasLiteralAt(line, idx, after) {
				return -1
			}
		case stepByte, stepLiteral:
			switch {
			case op.width > 0 && hasLiteralAt(line, pos+int(op.width), after):
				idx = pos + int(op.width)
			case op.flags&opDash != 0 && pos < len(line) && line[pos] == '-' && hasLiteralAt(line, pos+1, after):
				idx = pos + 1
			default:
				if idx = indexLiteral(line[pos:], after); idx < 0 {
					return -1
				}
				idx += pos
			}
		default:
			if idx = f.findEnd(line, pos, pos, i); idx < 0 {
				return -1
			}
		}
	}
	if op.flags&opCheck != 0 && !f.fields[i].valid(line[pos:idx]) {
		return -1
	}
	switch {
	case op.flags&opSpecial != 0:
		sp.set(line, f, i, pos, idx)
	case op.role != roleNone:
		sp.at[op.role] = span{int32(pos), int32(idx)}
		sp.has |= 1 << op.role
	}
	return idx
}
