package app

import (
	"fmt"

	"github.com/seed947b3480/legation/servers/dashboard"
)

// devLog is the device's log. Each dashboard (the HTTP one and, with TLS,
// the HTTPS one) keeps a log of its own, so a line goes to each: both pages
// show the same lines.
type devLog struct {
	logs []*dashboard.Log
}

// Printf appends a line formatted as fmt.Sprintf does, to every log. It
// allocates (fmt boxes its arguments): lines of the steady state use
// AppendTo.
func (l *devLog) Printf(level dashboard.Level, format string, args ...any) {
	if len(l.logs) == 1 {
		l.logs[0].Printf(level, format, args...)
		return
	}
	l.AppendString(level, fmt.Sprintf(format, args...))
}

// AppendTo appends a line that fill writes in place (dashboard.Log.AppendTo)
// to every log, without allocating: fill writes the first log's line, the
// others copy it.
func (l *devLog) AppendTo(level dashboard.Level, fill func(line []byte) []byte) {
	if len(l.logs) == 0 {
		return
	}
	first := l.logs[0]
	first.AppendTo(level, fill)
	e, _ := first.Entry(first.Next() - 1)
	for _, lg := range l.logs[1:] {
		lg.Append(level, e.Msg)
	}
}

// AppendString appends msg to every log.
func (l *devLog) AppendString(level dashboard.Level, msg string) {
	for _, lg := range l.logs {
		lg.AppendString(level, msg)
	}
}
