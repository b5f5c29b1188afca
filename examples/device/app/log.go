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

// Printf appends a line formatted as fmt.Sprintf does, to every log.
func (l *devLog) Printf(level dashboard.Level, format string, args ...any) {
	if len(l.logs) == 1 {
		l.logs[0].Printf(level, format, args...)
		return
	}
	l.AppendString(level, fmt.Sprintf(format, args...))
}

// AppendString appends msg to every log.
func (l *devLog) AppendString(level dashboard.Level, msg string) {
	for _, lg := range l.logs {
		lg.AppendString(level, msg)
	}
}
