// Package demobroker is the loopback demos' MQTT broker, run on the peer
// stack: just enough MQTT 3.1.1 and 5.0 for examples/mqtt and
// examples/device to run with no set-up. It accepts every CONNECT,
// acknowledges QoS 0, 1 and 2 publishes, keeps retained messages, and
// forwards each message to every matching subscription at the lower of the
// two QoS levels; with Config.Demo it seeds one retained message and
// publishes a tick every half second, so that a subscriber has something
// to print. It keeps no sessions, sends no wills, enforces no keep-alive
// and trusts its client: it is a demo, not a broker. A packet it cannot
// parse closes the connection.
package demobroker

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// Demo topics.
const (
	RetainedTopic   = "legation/demo"
	RetainedMessage = "hello from the loopback demo broker"
	TickTopic       = "legation/demo/tick"
	TickEvery       = 500 * time.Millisecond
	// maxBuffered bounds an unparsed packet.
	maxBuffered = 1 << 20
)

// Config configures the broker.
type Config struct {
	// Port is the TCP port; default 1883.
	Port uint16
	// Demo seeds the retained message RetainedMessage on RetainedTopic
	// and publishes "tick N" on TickTopic every TickEvery.
	Demo bool
}

// Broker is the broker's state: reactor goroutine only.
type Broker struct {
	retained  map[string][]byte
	conns     map[*demoConn]bool
	ticks     int
	onPublish func(topic string, payload []byte)
	published uint64
}

type demoConn struct {
	b       *Broker
	c       *tcp.Conn
	in, out []byte
	version byte // 4 or 5, from CONNECT
	subs    map[string]byte
	nextID  uint16
}

// Serve starts the broker on s.
func Serve(r *reactor.Reactor, s *stack.Stack, cfg Config) (*Broker, error) {
	if cfg.Port == 0 {
		cfg.Port = 1883
	}
	l, err := s.ListenTCP(cfg.Port, stack.ListenConfig{Conn: tcp.Config{NoDelay: true}})
	if err != nil {
		return nil, err
	}
	b := &Broker{retained: map[string][]byte{}, conns: map[*demoConn]bool{}}
	l.OnAccept(func() {
		for {
			c, ok := l.Accept()
			if !ok {
				return
			}
			dc := &demoConn{b: b, c: c, subs: map[string]byte{}}
			c.OnReadable(dc.readable)
			c.OnWritable(dc.flush)
			c.OnClosed(func(error) { delete(b.conns, dc) })
		}
	})
	if cfg.Demo {
		b.retained[RetainedTopic] = []byte(RetainedMessage)
		r.Spawn(reactor.TaskFunc(func(now reactor.Instant) reactor.Instant {
			if b.ticks > 0 {
				b.Publish(TickTopic, []byte(fmt.Sprintf("tick %d", b.ticks)), 1, false)
			}
			b.ticks++
			return now.Add(TickEvery)
		}))
	}
	return b, nil
}

// OnPublish sets fn to see every message a client publishes (topic and
// payload valid during the call only). Reactor goroutine only.
func (b *Broker) OnPublish(fn func(topic string, payload []byte)) { b.onPublish = fn }

// Clients returns the number of connected clients.
func (b *Broker) Clients() int { return len(b.conns) }

// Published returns the number of messages clients have published.
func (b *Broker) Published() uint64 { return b.published }

// Publish stores a retained message and forwards the message to every
// matching subscription, as if a client had published it.
func (b *Broker) Publish(topic string, payload []byte, qos byte, retain bool) {
	if retain {
		if len(payload) == 0 {
			delete(b.retained, topic)
		} else {
			b.retained[topic] = append([]byte(nil), payload...)
		}
	}
	for dc := range b.conns {
		for filter, granted := range dc.subs {
			if demoMatch(filter, topic) {
				dc.send(topic, payload, min(qos, granted), false)
				dc.flush()
				break
			}
		}
	}
}

func (dc *demoConn) readable() {
	var buf [2048]byte
	for {
		n, err := dc.c.Read(buf[:])
		dc.in = append(dc.in, buf[:n]...)
		if n == 0 || err != nil {
			break
		}
	}
	if len(dc.in) > maxBuffered {
		dc.c.Abort()
		return
	}
	for {
		typ, body, n, ok := demoPacket(dc.in)
		if !ok {
			break
		}
		if !dc.handle(typ, body) {
			dc.c.Abort()
			return
		}
		dc.in = dc.in[:copy(dc.in, dc.in[n:])]
	}
	dc.flush()
}

// demoPacket splits the first packet off b: its first byte, its body and
// its whole length, or ok false if it is not all there yet.
func demoPacket(b []byte) (first byte, body []byte, n int, ok bool) {
	rl, shift := 0, 0
	for i := 1; i < len(b) && i <= 4; i++ {
		rl |= int(b[i]&0x7f) << shift
		shift += 7
		if b[i]&0x80 == 0 {
			if len(b) < i+1+rl {
				return 0, nil, 0, false
			}
			return b[0], b[i+1 : i+1+rl], i + 1 + rl, true
		}
	}
	return 0, nil, 0, false
}

// handle answers one packet; false closes the connection.
func (dc *demoConn) handle(first byte, p []byte) bool {
	switch first >> 4 {
	case 1: // CONNECT: protocol name, level, flags, keep-alive
		if len(p) < 10 || string(p[2:6]) != "MQTT" {
			return false
		}
		dc.version = p[6]
		dc.b.conns[dc] = true
		if dc.version == 5 {
			dc.out = append(dc.out, 0x20, 3, 0, 0, 0) // no properties
		} else {
			dc.out = append(dc.out, 0x20, 2, 0, 0)
		}
	case 3: // PUBLISH
		qos, retain := first>>1&3, first&1 == 1
		topic, rest, ok := demoString(p)
		if !ok || qos > 2 {
			return false
		}
		var id []byte
		if qos > 0 {
			if len(rest) < 2 {
				return false
			}
			id, rest = rest[:2], rest[2:]
		}
		if rest, ok = dc.skipProperties(rest); !ok {
			return false
		}
		dc.b.published++
		if dc.b.onPublish != nil {
			dc.b.onPublish(topic, rest)
		}
		dc.b.Publish(topic, rest, qos, retain)
		if qos == 1 {
			dc.out = append(dc.out, 0x40, 2, id[0], id[1]) // PUBACK
		} else if qos == 2 {
			dc.out = append(dc.out, 0x50, 2, id[0], id[1]) // PUBREC
		}
	case 5: // PUBREC for our QoS 2 delivery: release it
		if len(p) >= 2 {
			dc.out = append(dc.out, 0x62, 2, p[0], p[1])
		}
	case 6: // PUBREL: complete the client's QoS 2 publish
		if len(p) >= 2 {
			dc.out = append(dc.out, 0x70, 2, p[0], p[1])
		}
	case 4, 7: // PUBACK, PUBCOMP for our deliveries: nothing kept to drop
	case 8: // SUBSCRIBE: packet ID, properties, (filter, options)...
		if len(p) < 2 {
			return false
		}
		id := p[:2]
		rest, ok := dc.skipProperties(p[2:])
		if !ok {
			return false
		}
		var granted []byte
		var filters []string
		for len(rest) > 0 {
			var f string
			if f, rest, ok = demoString(rest); !ok || len(rest) < 1 {
				return false
			}
			q := min(rest[0]&3, 2)
			rest = rest[1:]
			dc.subs[f] = q
			granted = append(granted, q)
			filters = append(filters, f)
		}
		dc.out = append(dc.out, 0x90)
		if dc.version == 5 {
			dc.out = demoVarint(dc.out, 3+len(granted))
			dc.out = append(dc.out, id[0], id[1], 0)
		} else {
			dc.out = demoVarint(dc.out, 2+len(granted))
			dc.out = append(dc.out, id[0], id[1])
		}
		dc.out = append(dc.out, granted...)
		for i, f := range filters {
			for topic, payload := range dc.b.retained {
				if demoMatch(f, topic) {
					dc.send(topic, payload, granted[i], true)
				}
			}
		}
	case 10: // UNSUBSCRIBE
		if len(p) < 2 {
			return false
		}
		id := p[:2]
		rest, ok := dc.skipProperties(p[2:])
		if !ok {
			return false
		}
		n := 0
		for len(rest) > 0 {
			var f string
			if f, rest, ok = demoString(rest); !ok {
				return false
			}
			delete(dc.subs, f)
			n++
		}
		if dc.version == 5 {
			dc.out = append(dc.out, 0xb0, byte(3+n), id[0], id[1], 0)
			dc.out = append(dc.out, make([]byte, n)...) // success for each
		} else {
			dc.out = append(dc.out, 0xb0, 2, id[0], id[1])
		}
	case 12: // PINGREQ
		dc.out = append(dc.out, 0xd0, 0)
	case 14: // DISCONNECT
		dc.flush()
		dc.c.Close()
	default:
		return false
	}
	return true
}

// send queues a PUBLISH to this client.
func (dc *demoConn) send(topic string, payload []byte, qos byte, retain bool) {
	first := 0x30 | qos<<1
	if retain {
		first |= 1
	}
	n := 2 + len(topic) + len(payload)
	if qos > 0 {
		n += 2
	}
	if dc.version == 5 {
		n++ // empty property list
	}
	dc.out = append(dc.out, first)
	dc.out = demoVarint(dc.out, n)
	dc.out = binary.BigEndian.AppendUint16(dc.out, uint16(len(topic)))
	dc.out = append(dc.out, topic...)
	if qos > 0 {
		dc.nextID++
		if dc.nextID == 0 {
			dc.nextID = 1
		}
		dc.out = binary.BigEndian.AppendUint16(dc.out, dc.nextID)
	}
	if dc.version == 5 {
		dc.out = append(dc.out, 0)
	}
	dc.out = append(dc.out, payload...)
}

func (dc *demoConn) flush() {
	for len(dc.out) > 0 {
		n, err := dc.c.Write(dc.out)
		dc.out = dc.out[:copy(dc.out, dc.out[n:])]
		if n == 0 || err != nil {
			return
		}
	}
}

// skipProperties skips a 5.0 property list (none under 3.1.1).
func (dc *demoConn) skipProperties(b []byte) ([]byte, bool) {
	if dc.version != 5 {
		return b, true
	}
	n, shift, i := 0, 0, 0
	for ; ; i++ {
		if i >= len(b) || i == 4 {
			return nil, false
		}
		n |= int(b[i]&0x7f) << shift
		shift += 7
		if b[i]&0x80 == 0 {
			break
		}
	}
	if len(b) < i+1+n {
		return nil, false
	}
	return b[i+1+n:], true
}

// demoString reads a length-prefixed string.
func demoString(b []byte) (string, []byte, bool) {
	if len(b) < 2 {
		return "", nil, false
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return "", nil, false
	}
	return string(b[2 : 2+n]), b[2+n:], true
}

func demoVarint(b []byte, v int) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// demoMatch reports whether topic matches filter, with MQTT's + and #
// wildcards.
func demoMatch(filter, topic string) bool {
	fs, ts := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, f := range fs {
		if f == "#" {
			return true
		}
		if i >= len(ts) || (f != "+" && f != ts[i]) {
			return false
		}
	}
	return len(fs) == len(ts)
}
