package dashboard

import (
	"fmt"

	"github.com/seed947b3480/legation/reactor"
)

// Level is a log line's severity.
type Level uint8

// The levels, in increasing severity.
const (
	LevelDebug Level = iota
	LevelInfo
	LevelWarn
	LevelError
)

var levelNames = [...]string{"debug", "info", "warn", "error"}

// String names the level as the JSON routes do: "debug", "info", "warn",
// "error".
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// MaxLineLen bounds a log line in bytes. A longer line is cut at a UTF-8
// boundary and ends in "…".
const MaxLineLen = 160

// Clock reports the current instant; *stack.Stack is one.
type Clock interface {
	Now() reactor.Instant
}

// Entry is one line of a Log. Msg points into the log's storage: it is
// valid until the line is overwritten, so a caller that keeps it copies it.
type Entry struct {
	Seq   uint64          // 1 for the first line ever appended, then counting up
	At    reactor.Instant // when it was appended
	Level Level
	Msg   []byte
}

type lineMeta struct {
	at    reactor.Instant
	level Level
	n     uint8 // bytes of text, at most MaxLineLen (which fits a uint8)
}

// Log is a bounded ring of log lines in fixed storage: appending copies
// the line into its slot, overwriting the oldest when the ring is full,
// and allocates nothing. Like the stack, it belongs to the reactor
// goroutine: code on other goroutines appends through Reactor.Post.
type Log struct {
	clock    Clock
	text     []byte // len(meta) slots of MaxLineLen bytes
	meta     []lineMeta
	next     uint64 // Seq of the next line
	fmtBuf   []byte
	onAppend func(e Entry)
}

// NewLog returns a log of lines lines (at least 1) that dates its lines by
// clock.
func NewLog(lines int, clock Clock) *Log {
	lines = max(lines, 1)
	return &Log{
		clock: clock,
		text:  make([]byte, lines*MaxLineLen),
		meta:  make([]lineMeta, lines),
		next:  1,
	}
}

// Append adds a line. Trailing line breaks are dropped; a line longer than
// MaxLineLen is cut. It does not allocate.
func (l *Log) Append(level Level, msg []byte) { appendLine(l, level, msg) }

// AppendString is Append for a string.
func (l *Log) AppendString(level Level, msg string) { appendLine(l, level, msg) }

// Printf appends a line formatted as fmt.Sprintf does. Unlike Append it
// allocates (fmt boxes its arguments); it is for lines that are not on a
// hot path.
func (l *Log) Printf(level Level, format string, args ...any) {
	l.fmtBuf = fmt.Appendf(l.fmtBuf[:0], format, args...)
	l.Append(level, l.fmtBuf)
}

// AppendTo appends a line that fill writes in place: fill gets the next
// line's slot in the ring, empty, with room for MaxLineLen bytes, and
// returns it with the text appended (strconv.AppendInt,
// netip.Addr.AppendTo, time.Time.AppendFormat and the like), so a line
// with numbers and addresses is formatted without allocating. Trailing
// line breaks are dropped and a longer line is cut, as Append does; a
// fill that goes past MaxLineLen makes append grow the line elsewhere,
// which costs an allocation. The slot holds the oldest line until then:
// fill must not read the log.
func (l *Log) AppendTo(level Level, fill func(line []byte) []byte) {
	off := int((l.next-1)%uint64(len(l.meta))) * MaxLineLen
	appendLine(l, level, fill(l.text[off:off:off+MaxLineLen]))
}

func appendLine[S ~string | ~[]byte](l *Log, level Level, msg S) {
	for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == '\r') {
		msg = msg[:len(msg)-1]
	}
	slot := int((l.next - 1) % uint64(len(l.meta)))
	dst := l.text[slot*MaxLineLen : (slot+1)*MaxLineLen]
	var n int
	if len(msg) <= MaxLineLen {
		n = copy(dst, msg)
	} else {
		const ellipsis = "…"
		cut := MaxLineLen - len(ellipsis)
		for cut > 0 && msg[cut]&0xc0 == 0x80 {
			cut-- // do not split a UTF-8 sequence
		}
		n = copy(dst, msg[:cut])
		n += copy(dst[n:], ellipsis)
	}
	l.meta[slot] = lineMeta{at: l.clock.Now(), level: level, n: uint8(n)}
	l.next++
	if l.onAppend != nil {
		e, _ := l.Entry(l.next - 1)
		l.onAppend(e)
	}
}

// Next returns the Seq the next line will have.
func (l *Log) Next() uint64 { return l.next }

// Oldest returns the Seq of the oldest line still held (Next if the log is
// empty).
func (l *Log) Oldest() uint64 {
	if held := uint64(len(l.meta)); l.next-1 > held {
		return l.next - held
	}
	return 1
}

// Len returns the number of lines held.
func (l *Log) Len() int { return int(l.next - l.Oldest()) }

// Cap returns the number of lines the log holds at most.
func (l *Log) Cap() int { return len(l.meta) }

// Entry returns the line with sequence number seq, if it is still held.
func (l *Log) Entry(seq uint64) (Entry, bool) {
	if seq < l.Oldest() || seq >= l.next {
		return Entry{}, false
	}
	slot := int((seq - 1) % uint64(len(l.meta)))
	m := l.meta[slot]
	return Entry{
		Seq:   seq,
		At:    m.at,
		Level: m.level,
		Msg:   l.text[slot*MaxLineLen : slot*MaxLineLen+int(m.n)],
	}, true
}
