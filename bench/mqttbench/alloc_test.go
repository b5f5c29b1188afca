package mqttbench

import (
	"fmt"
	"testing"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// TestLegationPublishAllocs is the allocation guard of the benchmark's
// legation case: once warm, publishing (the client, both stacks and the
// loopback link) allocates nothing. The broker here is acker, a scripted
// MQTT 3.1.1 peer on the peer stack that allocates nothing itself, so that
// mochi's allocations do not hide the client's; everything runs on one
// reactor goroutine on a virtual clock.
func TestLegationPublishAllocs(t *testing.T) {
	for _, qos := range []byte{0, 1} {
		t.Run(fmt.Sprintf("qos=%d", qos), func(t *testing.T) {
			pair := newLegationPair(t, reactor.NewVirtualClock(0))
			a := newAcker(t, pair.peer)
			p := newLegationPublisher(t, pair, qos, a.processedCount)
			if err := p.run(1000); err != nil {
				t.Fatal(err)
			}
			const per = 100
			var err error
			allocs := testing.AllocsPerRun(50, func() {
				if e := p.run(per); e != nil && err == nil {
					err = e
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if a.bad != 0 {
				t.Fatalf("the acker saw %d packets it did not expect", a.bad)
			}
			if want := int64(1000 + 51*per); a.processed != want {
				t.Fatalf("the acker counted %d PUBLISH packets, want %d", a.processed, want)
			}
			if allocs/per > 0 {
				t.Errorf("%.3f allocations per publish, want 0", allocs/per)
			}
		})
	}
}

// acker is the smallest broker the client accepts, for one connection:
// CONNACK for CONNECT, PUBACK for a QoS 1 PUBLISH, PINGRESP for PINGREQ;
// it counts PUBLISH packets and anything it did not expect.
type acker struct {
	c         *tcp.Conn
	buf       []byte
	have      int
	out       []byte
	processed int64
	bad       int
}

func (a *acker) processedCount() int64 { return a.processed }

func newAcker(t *testing.T, s *stack.Stack) *acker {
	t.Helper()
	l, err := s.ListenTCP(brokerPort, stack.ListenConfig{Conn: tcp.Config{NoDelay: true}})
	if err != nil {
		t.Fatal(err)
	}
	a := &acker{buf: make([]byte, 64<<10), out: make([]byte, 0, 64<<10)}
	l.OnAccept(func() {
		c, ok := l.Accept()
		if !ok || a.c != nil {
			if ok {
				c.Abort()
			}
			return
		}
		a.c = c
		c.OnReadable(a.readable)
		c.OnWritable(a.flush)
	})
	return a
}

func (a *acker) readable() {
	for {
		n, _ := a.c.Read(a.buf[a.have:])
		if n == 0 {
			break
		}
		a.have += n
	}
	rest := a.buf[:a.have]
	for {
		used := a.packet(rest)
		if used == 0 {
			break
		}
		rest = rest[used:]
	}
	a.have = copy(a.buf, rest)
	if a.have == len(a.buf) {
		a.bad++ // a packet larger than the buffer: give up on it
		a.have = 0
	}
	a.flush()
}

// packet answers the packet at the front of b and returns its length, or 0
// if it is not all there yet.
func (a *acker) packet(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	rl, shift, i := 0, 0, 1
	for ; ; i++ {
		if i >= len(b) || i > 4 {
			return 0
		}
		rl |= int(b[i]&0x7f) << shift
		shift += 7
		if b[i]&0x80 == 0 {
			break
		}
	}
	body := i + 1
	if len(b) < body+rl {
		return 0
	}
	p := b[body : body+rl]
	switch b[0] >> 4 {
	case 1: // CONNECT
		a.out = append(a.out, 0x20, 2, 0, 0)
	case 3: // PUBLISH
		a.processed++
		if q := b[0] >> 1 & 3; q == 1 && len(p) >= 2 {
			tl := int(p[0])<<8 | int(p[1])
			if len(p) < 2+tl+2 {
				a.bad++
				break
			}
			a.out = append(a.out, 0x40, 2, p[2+tl], p[2+tl+1])
		} else if q != 0 {
			a.bad++
		}
	case 12: // PINGREQ
		a.out = append(a.out, 0xd0, 0)
	case 14: // DISCONNECT
	default:
		a.bad++
	}
	return body + rl
}

func (a *acker) flush() {
	if a.c == nil || len(a.out) == 0 {
		return
	}
	n, _ := a.c.Write(a.out)
	a.out = a.out[:copy(a.out, a.out[n:])]
}
