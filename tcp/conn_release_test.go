package tcp

import (
	"bytes"
	"testing"
	"time"
)

// A connection released with data still unsent delivers all of it, lets
// go of the owner's buffers once the peer acknowledged it, and finishes
// its close (FIN, TIME-WAIT) on its own.
func TestReleaseFinishesClose(t *testing.T) {
	cfg := Config{DelayedAck: -1, TimeWait: time.Second}
	p := newPair(t, cfg)
	msg := bytes.Repeat([]byte("released "), 1000)
	if n, _ := p.a.Write(msg); n != len(msg) {
		t.Fatalf("wrote %d", n)
	}
	closed := false
	p.a.OnClosed(func(error) { closed = true })
	p.a.Release()
	if p.a.tx.Cap() == 0 {
		t.Fatal("buffers dropped while data was unacknowledged")
	}
	var got []byte
	buf := make([]byte, 4096)
	for i := 0; i < 100 && p.a.SendQueued() > 0; i++ {
		p.flush()
		for {
			n, _ := p.b.Read(buf)
			if n == 0 {
				break
			}
			got = append(got, buf[:n]...)
		}
	}
	p.flush()
	if !bytes.Equal(got, msg) {
		t.Fatalf("peer got %d of %d bytes", len(got), len(msg))
	}
	if p.a.tx.Cap() != 0 || p.a.rx.Cap() != 0 {
		t.Fatal("released connection still holds its buffers after everything was acknowledged")
	}
	if p.a.State() != FinWait2 {
		t.Fatalf("released connection in %v, want FIN-WAIT-2", p.a.State())
	}
	p.b.Close()
	p.flush()
	p.flush()
	if p.a.State() != TimeWait || p.b.State() != Closed {
		t.Fatalf("states %v / %v, want TIME-WAIT / CLOSED", p.a.State(), p.b.State())
	}
	p.now = p.now.Add(time.Second)
	p.a.Poll(p.now)
	if p.a.State() != Closed || closed {
		t.Fatalf("released connection in %v after TIME-WAIT (callback run: %v, want not: released)", p.a.State(), closed)
	}
}

// A released connection whose peer never closes its side gives up
// FIN-WAIT-2 after FinWait2Timeout; one its owner still holds waits.
func TestReleaseBoundsFinWait2(t *testing.T) {
	for _, release := range []bool{false, true} {
		p := newPair(t, Config{DelayedAck: -1})
		if release {
			p.a.Release()
		} else {
			p.a.Close()
		}
		p.flush()
		if p.a.State() != FinWait2 {
			t.Fatalf("in %v, want FIN-WAIT-2", p.a.State())
		}
		p.now = p.now.Add(FinWait2Timeout)
		p.a.Poll(p.now)
		if want := map[bool]State{false: FinWait2, true: Closed}[release]; p.a.State() != want {
			t.Fatalf("release=%v: %v after FinWait2Timeout, want %v", release, p.a.State(), want)
		}
	}
}

// Releasing with received data unread resets the connection, as Close
// does, and drops the buffers at once.
func TestReleaseWithUnreadData(t *testing.T) {
	p := newPair(t, Config{DelayedAck: -1})
	p.b.Write([]byte("unread"))
	p.flush()
	p.a.Release()
	if p.a.State() != Closed || p.a.Err() != ErrAborted || p.a.rx.Cap() != 0 {
		t.Fatalf("state %v err %v rx %d", p.a.State(), p.a.Err(), p.a.rx.Cap())
	}
	p.flush()
	if p.b.Err() != ErrReset {
		t.Fatalf("peer: %v, want reset", p.b.Err())
	}
}
