package dashboard

import (
	"strconv"

	"github.com/seed947b3480/legation/servers/httpd"
)

// logStream writes /api/log as a chunked body, one line at a time, so the
// answer needs no buffer the size of the whole log. Lines appended while
// it is sent are left out (the live feed carries them), and lines
// overwritten meanwhile are skipped; each entry carries its seq, so a
// reader sees what it missed. Streams are kept on a free list: a request
// in steady state allocates nothing.
type logStream struct {
	d         *Dashboard
	next, end uint64 // lines [next, end) are still to be written
	state     uint8
	comma     bool   // an entry was written: the next needs a comma
	pend      []byte // rendered bytes not yet handed to TCP
	off       int
	write     httpd.BodyWriter // s.fill, made once
	free      *logStream
}

const (
	lsHead uint8 = iota
	lsLines
	lsTail
	lsDone
)

func (d *Dashboard) serveLog(w *httpd.Response, r *httpd.Request) {
	after := uint64(0)
	if v, ok := r.Query("after"); ok {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			w.Error(400)
			return
		}
		after = n
	}
	s := d.logFree
	if s != nil {
		d.logFree = s.free
	} else {
		s = &logStream{d: d, pend: make([]byte, 0, 2*MaxLineLen+128)}
		s.write = s.fill
	}
	s.end = d.log.Next()
	s.next = s.end
	if after < s.end {
		s.next = max(after+1, d.log.Oldest())
	}
	s.state, s.off, s.pend, s.comma = lsHead, 0, s.pend[:0], false
	w.Header("Cache-Control", "no-store")
	w.Stream(200, "application/json", -1, s.write)
	if r.Method() == "HEAD" {
		// No body follows, so fill will not run to return s.
		s.free = d.logFree
		d.logFree = s
	}
}

// fill is the BodyWriter: it copies what is pending and renders more.
func (s *logStream) fill(p []byte) (int, bool) {
	n := 0
	for n < len(p) {
		if s.off < len(s.pend) {
			k := copy(p[n:], s.pend[s.off:])
			s.off += k
			n += k
			continue
		}
		if s.state == lsDone {
			break
		}
		s.render()
	}
	done := s.state == lsDone && s.off == len(s.pend)
	if done {
		s.free = s.d.logFree
		s.d.logFree = s
	}
	return n, done
}

// render puts the next piece of the answer in pend.
func (s *logStream) render() {
	l := s.d.log
	j := NewJSON(s.pend[:0])
	s.off = 0
	switch s.state {
	case lsHead:
		j.Object("")
		j.Uint("next", s.end)
		j.Int("uptime_ms", s.d.uptime().Milliseconds())
		j.Array("entries")
		s.state = lsLines
	case lsLines:
		// Lines overwritten since the request began are gone.
		s.next = max(s.next, l.Oldest())
		if s.next >= s.end {
			s.state = lsTail
			break
		}
		e, _ := l.Entry(s.next)
		s.next++
		if s.comma {
			j.b = append(j.b, ',')
		}
		s.comma = true
		s.d.writeEntry(&j, e)
	case lsTail:
		j.b = append(j.b, "]}"...)
		s.state = lsDone
	}
	s.pend = j.b
}

// writeEntry writes a log line as an object: its seq, its time in
// milliseconds of uptime, its level and its text.
func (d *Dashboard) writeEntry(j *JSON, e Entry) {
	j.Object("")
	j.Uint("seq", e.Seq)
	j.Int("ms", e.At.Sub(d.start).Milliseconds())
	j.String("level", e.Level.String())
	j.BytesString("msg", e.Msg)
	j.EndObject()
}
