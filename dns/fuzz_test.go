package dns

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// FuzzDNSResponse feeds the resolver's answer parser arbitrary datagrams.
// The question it expects is taken from the datagram itself (when it has
// one of type A or AAAA), so mutations reach the answer records rather than
// stopping at the ID check. For any input the parser must not panic, must
// return nil or one of its three errors, must respect its bounds, and every
// address it returns must be a record of the asked type owned by the
// chain's end in the message as dnsmessage unpacks it in full.
func FuzzDNSResponse(f *testing.F) {
	f.Fuzz(func(t *testing.T, msg []byte) {
		const maxHops = 4
		var id uint16
		if len(msg) >= 2 {
			id = binary.BigEndian.Uint16(msg)
		}
		name, typ := dnsmessage.MustNewName("host.test."), dnsmessage.TypeA
		var p dnsmessage.Parser
		if _, err := p.Start(msg); err == nil {
			if q, err := p.Question(); err == nil && (q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeAAAA) {
				name, typ = q.Name, q.Type
			}
		}
		var out response
		err := parseResponse(msg, id, &name, typ, maxHops, &out)
		switch err {
		case nil, errMismatch, ErrMalformed, ErrCNAMELoop:
		default:
			t.Fatalf("unexpected error %v (%T)", err, err)
		}
		if err != nil {
			return
		}
		if out.n < 0 || out.n > MaxAddrs || out.hops > maxHops || out.dropped < 0 {
			t.Fatalf("bounds: n %d hops %d dropped %d", out.n, out.hops, out.dropped)
		}
		if out.hops == 0 && !nameEqual(&out.target, &name) {
			t.Fatalf("no CNAME followed but the target moved to %v", out.target)
		}
		for _, a := range out.addrs[:out.n] {
			if a.Is4() != (typ == dnsmessage.TypeA) {
				t.Fatalf("address %v for type %v", a, typ)
			}
		}
		var m dnsmessage.Message
		if out.n == 0 || m.Unpack(msg) != nil {
			return
		}
		for _, a := range out.addrs[:out.n] {
			found := false
			for _, r := range m.Answers {
				if !nameEqual(&r.Header.Name, &out.target) {
					continue
				}
				switch b := r.Body.(type) {
				case *dnsmessage.AResource:
					found = found || typ == dnsmessage.TypeA && a.As4() == b.A
				case *dnsmessage.AAAAResource:
					found = found || typ == dnsmessage.TypeAAAA && a.As16() == b.AAAA
				}
			}
			if !found {
				t.Fatalf("address %v is not an answer record of %v", a, out.target)
			}
		}
	})
}
