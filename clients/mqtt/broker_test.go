package mqtt

import (
	"fmt"
	"io"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// broker is a small MQTT broker for the tests, written with the codec:
// sessions, subscriptions with wildcards, retained messages, QoS 0-2 both
// ways, and hooks through which a test scripts its faults (withhold
// acknowledgements, drop the connection, answer with garbage, refuse).
type broker struct {
	n        *testNet
	l        *stack.TCPListener
	conns    []*bconn
	sessions map[string]*bsession
	retained map[string]bmsg

	// Behaviour.
	refuse       ReasonCode                             // CONNACK code (5.0 code; 3.1.1 translated back)
	connackProps func(*Properties)                      // 5.0 properties for CONNACK
	noPingResp   bool                                   // never answer PINGREQ
	holdAcks     bool                                   // do not acknowledge the client's PUBLISH (nor PUBREL)
	noSessions   bool                                   // never keep a session (a restart without one)
	hook         func(bc *bconn, p *packet.Packet) bool // true: handled, skip the default
	quiet        bool                                   // do not log packets (allocation tests)
	log          []bpkt                                 // every packet received, all connections
	connects     int
	pingreqs     int
}

// bpkt is a logged packet, copied out of the receive buffer.
type bpkt struct {
	conn    int
	t       packet.Type
	flags   uint8
	id      uint16
	topic   string
	payload string
	qos     QoS
	dup     bool
	retain  bool
	code    ReasonCode
	props   Properties // copied scalars only
	filters []string
	connect packet.Connect // CONNECT, with its slices copied
}

type bsession struct {
	subs []bsub
}

type bsub struct {
	filter string
	qos    QoS
	id     uint32
}

type bmsg struct {
	topic   string
	payload []byte
	qos     QoS
}

type bconn struct {
	b        *broker
	idx      int
	c        *tcp.Conn
	in       []byte
	out      []byte
	rbuf     [4096]byte
	pkt      packet.Packet
	version  Version
	clientID string
	sess     *bsession
	nextID   uint16
	closed   bool
	err      error
	aliases  int             // topic alias maximum the client announced
	recvd    map[uint16]bool // QoS 2 from the client awaiting PUBREL
	outQoS2  map[uint16]bool // QoS 2 to the client past PUBREC
	scratch  []byte
	pub      []byte
}

func newBroker(n *testNet, port uint16) *broker {
	l, err := n.bst.ListenTCP(port, stack.ListenConfig{Conn: tcp.Config{NoDelay: true, TimeWait: -1}, RxBufferSize: 16 << 10, TxBufferSize: 64 << 10})
	if err != nil {
		n.t.Fatal(err)
	}
	b := &broker{n: n, l: l, sessions: map[string]*bsession{}, retained: map[string]bmsg{}}
	l.OnAccept(func() {
		for {
			c, ok := l.Accept()
			if !ok {
				return
			}
			bc := &bconn{b: b, idx: len(b.conns), c: c, recvd: map[uint16]bool{}, outQoS2: map[uint16]bool{}}
			b.conns = append(b.conns, bc)
			c.OnReadable(bc.readable)
			c.OnWritable(bc.flush)
			c.OnPeerClosed(bc.readable)
			c.OnClosed(func(err error) { bc.closed, bc.err = true, err })
		}
	})
	return b
}

// last returns the newest connection.
func (b *broker) last() *bconn {
	if len(b.conns) == 0 {
		return nil
	}
	return b.conns[len(b.conns)-1]
}

// count returns how many logged packets are of type t.
func (b *broker) count(t packet.Type) int {
	n := 0
	for _, p := range b.log {
		if p.t == t {
			n++
		}
	}
	return n
}

// of returns the logged packets of type t.
func (b *broker) of(t packet.Type) []bpkt {
	var out []bpkt
	for _, p := range b.log {
		if p.t == t {
			out = append(out, p)
		}
	}
	return out
}

func (bc *bconn) readable() {
	for {
		n, err := bc.c.Read(bc.rbuf[:])
		bc.in = append(bc.in, bc.rbuf[:n]...)
		if n == 0 {
			if err == io.EOF && !bc.closed {
				bc.c.Close()
			}
			break
		}
	}
	off := 0
	for !bc.closed && bc.c.State() != tcp.Closed {
		v := bc.version
		if v == 0 {
			v = V5 // CONNECT declares its own
		}
		n, err := packet.Decode(bc.in[off:], v, 0, &bc.pkt)
		if err == packet.ErrIncomplete {
			break
		}
		if err != nil {
			bc.b.n.t.Errorf("broker: bad packet from client: %v (% x)", err, bc.in[off:min(len(bc.in), off+32)])
			bc.c.Abort()
			return
		}
		off += n
		bc.handle(&bc.pkt)
	}
	bc.in = bc.in[:copy(bc.in, bc.in[off:])]
}

func (bc *bconn) logPacket(p *packet.Packet) {
	if bc.b.quiet {
		return
	}
	e := bpkt{conn: bc.idx, t: p.Type, flags: p.Flags}
	switch p.Type {
	case packet.CONNECT:
		c := p.Connect
		c.ClientID = clone(c.ClientID)
		c.Username, c.Password = clone(c.Username), clone(c.Password)
		c.WillTopic, c.WillPayload = clone(c.WillTopic), clone(c.WillPayload)
		c.Props.User, c.WillProps.User = nil, nil
		e.connect = c
	case packet.PUBLISH:
		e.id, e.topic, e.payload = p.Publish.PacketID, string(p.Publish.Topic), string(p.Publish.Payload)
		e.qos, e.dup, e.retain = p.Publish.QoS, p.Publish.Dup, p.Publish.Retain
		e.props = p.Publish.Props
	case packet.PUBACK, packet.PUBREC, packet.PUBREL, packet.PUBCOMP:
		e.id, e.code = p.Ack.PacketID, p.Ack.Code
	case packet.SUBSCRIBE:
		e.id = p.Subscribe.PacketID
		e.props = p.Subscribe.Props
		for f, o := range p.Subscribe.Entries {
			e.filters = append(e.filters, string(f))
			e.qos = o.QoS()
		}
	case packet.UNSUBSCRIBE:
		e.id = p.Unsubscribe.PacketID
		for f := range p.Unsubscribe.Entries {
			e.filters = append(e.filters, string(f))
		}
	case packet.DISCONNECT:
		e.code = p.Disconnect.Code
	}
	bc.b.log = append(bc.b.log, e)
}

func (p bpkt) String() string {
	return fmt.Sprintf("{conn %d %v id %d topic %q payload %q qos %d dup %v retain %v code %#x filters %q}",
		p.conn, p.t, p.id, p.topic, p.payload, p.qos, p.dup, p.retain, uint8(p.code), p.filters)
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func (bc *bconn) handle(p *packet.Packet) {
	bc.logPacket(p)
	b := bc.b
	if b.hook != nil && b.hook(bc, p) {
		return
	}
	v := bc.version
	switch p.Type {
	case packet.CONNECT:
		b.connects++
		bc.version = p.Connect.Version
		v = bc.version
		bc.clientID = string(p.Connect.ClientID)
		bc.aliases = int(p.Connect.Props.TopicAliasMaximum)
		ack := packet.Connack{Code: b.refuse}
		if v == V311 {
			ack.Code = v311Code(b.refuse)
		}
		if b.refuse == 0 {
			s, ok := b.sessions[bc.clientID]
			if p.Connect.CleanStart || b.noSessions || !ok {
				s, ok = &bsession{}, false
				b.sessions[bc.clientID] = s
			}
			bc.sess = s
			ack.SessionPresent = ok
			if v == V5 && b.connackProps != nil {
				b.connackProps(&ack.Props)
			}
		}
		bc.send(must(ack.Append(bc.scratch[:0], v)))
		if b.refuse != 0 {
			bc.c.Close()
		}
	case packet.PUBLISH:
		m := &p.Publish
		if m.Retain {
			if len(m.Payload) == 0 {
				delete(b.retained, string(m.Topic))
			} else {
				b.retained[string(m.Topic)] = bmsg{topic: string(m.Topic), payload: clone(m.Payload), qos: m.QoS}
			}
		}
		if b.holdAcks {
			return
		}
		switch m.QoS {
		case AtLeastOnce:
			bc.ack(packet.PUBACK, m.PacketID)
		case ExactlyOnce:
			dup := bc.recvd[m.PacketID]
			bc.recvd[m.PacketID] = true
			bc.ack(packet.PUBREC, m.PacketID)
			if dup {
				return
			}
		}
		b.route(m)
	case packet.PUBREL:
		if b.holdAcks {
			return
		}
		delete(bc.recvd, p.Ack.PacketID)
		bc.ack(packet.PUBCOMP, p.Ack.PacketID)
	case packet.PUBREC:
		bc.outQoS2[p.Ack.PacketID] = true
		bc.ack(packet.PUBREL, p.Ack.PacketID)
	case packet.PUBACK, packet.PUBCOMP:
	case packet.SUBSCRIBE:
		var codes []byte
		for f, o := range p.Subscribe.Entries {
			s := bsub{filter: string(f), qos: o.QoS(), id: p.Subscribe.Props.SubscriptionID}
			kept := bc.sess.subs[:0]
			for _, x := range bc.sess.subs {
				if x.filter != s.filter {
					kept = append(kept, x)
				}
			}
			bc.sess.subs = append(kept, s)
			codes = append(codes, byte(s.qos))
		}
		ack := packet.Suback{PacketID: p.Subscribe.PacketID, Codes: codes}
		bc.send(must(ack.Append(nil, v)))
		for f := range p.Subscribe.Entries {
			for _, r := range b.retained {
				if packet.MatchTopic(f, r.topic) {
					bc.deliver([]byte(r.topic), r.payload, r.qos, true, bc.subFor([]byte(r.topic)))
				}
			}
		}
	case packet.UNSUBSCRIBE:
		var codes []byte
		for f := range p.Unsubscribe.Entries {
			kept := bc.sess.subs[:0]
			for _, x := range bc.sess.subs {
				if x.filter != string(f) {
					kept = append(kept, x)
				}
			}
			bc.sess.subs = kept
			codes = append(codes, 0)
		}
		ack := packet.Unsuback{PacketID: p.Unsubscribe.PacketID, Codes: codes}
		bc.send(must(ack.Append(nil, v)))
	case packet.PINGREQ:
		b.pingreqs++
		if !b.noPingResp {
			bc.send(packet.AppendPingresp(bc.scratch[:0]))
		}
	case packet.DISCONNECT:
		bc.c.Close()
	}
}

func v311Code(c ReasonCode) ReasonCode {
	for _, k := range []ReasonCode{1, 2, 3, 4, 5} {
		if packet.V311ConnackCode(k) == c {
			return k
		}
	}
	if c != 0 {
		return packet.V311ServerUnavailable
	}
	return 0
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// subFor returns the best subscription of this connection for topic.
func (bc *bconn) subFor(topic []byte) *bsub {
	var best *bsub
	for i := range bc.sess.subs {
		s := &bc.sess.subs[i]
		if packet.MatchTopic(s.filter, topic) && (best == nil || s.qos > best.qos) {
			best = s
		}
	}
	return best
}

// route sends a message to every open connection with a matching
// subscription, at the lower of the two QoS.
func (b *broker) route(m *packet.Publish) {
	for _, bc := range b.conns {
		if bc.closed || bc.sess == nil {
			continue
		}
		if s := bc.subFor(m.Topic); s != nil {
			bc.deliver(m.Topic, m.Payload, min(m.QoS, s.qos), false, s)
		}
	}
}

// deliver sends a PUBLISH to the client.
func (bc *bconn) deliver(topic, payload []byte, qos QoS, retain bool, s *bsub) {
	p := packet.Publish{Topic: topic, Payload: payload, QoS: qos, Retain: retain}
	if qos > 0 {
		bc.nextID++
		if bc.nextID == 0 {
			bc.nextID = 1
		}
		p.PacketID = bc.nextID
	}
	if bc.version == V5 && s != nil && s.id != 0 {
		p.Props.Set(packet.PropSubscriptionID)
		p.Props.SubscriptionID = s.id
	}
	bc.pub = must(p.Append(bc.pub[:0], bc.version))
	bc.send(bc.pub)
}

func (bc *bconn) ack(t packet.Type, id uint16) {
	var b [8]byte
	bc.send(packet.AppendAck(b[:0], t, id, 0, bc.version))
}

// send queues raw bytes to the client.
func (bc *bconn) send(b []byte) {
	bc.out = append(bc.out, b...)
	bc.flush()
}

func (bc *bconn) flush() {
	for len(bc.out) > 0 {
		n, err := bc.c.Write(bc.out)
		if n == 0 || err != nil {
			return
		}
		bc.out = bc.out[:copy(bc.out, bc.out[n:])]
	}
}
