package dashboard

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seed947b3480/legation/reactor"
)

func TestLogRing(t *testing.T) {
	clk := reactor.NewVirtualClock(0)
	l := NewLog(4, clk)
	if l.Len() != 0 || l.Oldest() != 1 || l.Next() != 1 {
		t.Fatalf("empty log: len %d oldest %d next %d", l.Len(), l.Oldest(), l.Next())
	}
	for i := range 10 {
		clk.Advance(time.Second)
		l.Printf(Level(i%4), "line %d\n", i)
	}
	if l.Len() != 4 || l.Oldest() != 7 || l.Next() != 11 {
		t.Fatalf("len %d oldest %d next %d", l.Len(), l.Oldest(), l.Next())
	}
	if _, ok := l.Entry(6); ok {
		t.Fatal("overwritten line 6 still there")
	}
	for seq := uint64(7); seq <= 10; seq++ {
		e, ok := l.Entry(seq)
		want := "line " + string(rune('0'+seq-1))
		if !ok || string(e.Msg) != want || e.Seq != seq || e.At != reactor.Instant(seq)*reactor.Instant(time.Second) || e.Level != Level((seq-1)%4) {
			t.Fatalf("entry %d: %+v %q", seq, e, e.Msg)
		}
	}
	if _, ok := l.Entry(11); ok {
		t.Fatal("entry 11 exists")
	}
}

// A long line is cut at a UTF-8 boundary and marked.
func TestLogTruncates(t *testing.T) {
	l := NewLog(2, reactor.NewVirtualClock(0))
	long := strings.Repeat("é", MaxLineLen) // 2 bytes each
	l.AppendString(LevelWarn, long)
	e, _ := l.Entry(1)
	if len(e.Msg) > MaxLineLen || !utf8.Valid(e.Msg) || !strings.HasSuffix(string(e.Msg), "…") || !strings.HasPrefix(long, strings.TrimSuffix(string(e.Msg), "…")) {
		t.Fatalf("%d bytes: %q", len(e.Msg), e.Msg)
	}
	l.AppendString(LevelInfo, strings.Repeat("a", MaxLineLen))
	if e, _ := l.Entry(2); len(e.Msg) != MaxLineLen || strings.Contains(string(e.Msg), "…") {
		t.Fatalf("a line of exactly MaxLineLen was cut: %q", e.Msg)
	}
}

func TestLogAppendAllocatesNothing(t *testing.T) {
	l := NewLog(8, reactor.NewVirtualClock(0))
	msg := []byte("heartbeat")
	if a := testing.AllocsPerRun(100, func() {
		l.Append(LevelInfo, msg)
		l.AppendString(LevelDebug, "tick")
	}); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

// AppendTo formats in the ring's slot: numbers and addresses cost no
// allocation, the ring wraps as with Append, and a line too long is cut.
func TestLogAppendTo(t *testing.T) {
	clk := reactor.NewVirtualClock(0)
	l := NewLog(3, clk)
	addr := netip.MustParsePrefix("192.168.7.100/24")
	n := int64(0)
	line := func() {
		n++
		l.AppendTo(LevelInfo, func(b []byte) []byte {
			b = append(b, "address "...)
			b = addr.AppendTo(b)
			b = append(b, " #"...)
			return strconv.AppendInt(b, n, 10)
		})
	}
	line()
	if a := testing.AllocsPerRun(100, line); a != 0 {
		t.Fatalf("AppendTo: %v allocations per line", a)
	}
	e, ok := l.Entry(l.Next() - 1)
	if want := "address 192.168.7.100/24 #" + strconv.FormatInt(n, 10); !ok || string(e.Msg) != want || e.Level != LevelInfo {
		t.Fatalf("last entry %+v %q, want %q", e, e.Msg, want)
	}
	if e, _ := l.Entry(l.Next() - 2); string(e.Msg) != "address 192.168.7.100/24 #"+strconv.FormatInt(n-1, 10) {
		t.Fatalf("previous entry %q", e.Msg)
	}
	l.AppendTo(LevelWarn, func(b []byte) []byte { return append(b, strings.Repeat("x", 2*MaxLineLen)+"\n"...) })
	e, _ = l.Entry(l.Next() - 1)
	if len(e.Msg) != MaxLineLen || !strings.HasSuffix(string(e.Msg), "…") {
		t.Fatalf("long line: %d bytes %q", len(e.Msg), e.Msg)
	}
}
