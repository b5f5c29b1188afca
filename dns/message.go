package dns

import (
	"encoding/binary"
	"math"
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"
)

// appendQuery appends a query for name and type t with transaction ID id to
// buf, recursion desired, and returns the message. With cap(buf) of at least
// maxMessage it does not allocate.
func appendQuery(buf []byte, id uint16, name *dnsmessage.Name, t dnsmessage.Type) ([]byte, error) {
	b := dnsmessage.NewBuilder(buf, dnsmessage.Header{ID: id, RecursionDesired: true})
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(dnsmessage.Question{Name: *name, Type: t, Class: dnsmessage.ClassINET}); err != nil {
		return nil, err
	}
	return b.Finish()
}

// response is what parseResponse reads from an answer to one question.
type response struct {
	rcode     dnsmessage.RCode
	truncated bool

	// The address records of the type asked for, owned by target: the
	// question's name, or where its CNAME chain ends within this answer.
	addrs   [MaxAddrs]netip.Addr
	n       int
	dropped int // address records beyond MaxAddrs

	target dnsmessage.Name
	hops   int    // CNAME records followed to reach target
	ttl    uint32 // lowest TTL of the CNAMEs followed and the addresses kept

	// soa reports an SOA record in the authority section: a negative answer
	// may be cached for negTTL, the lower of its TTL and its MINIMUM field
	// (RFC 2308 5).
	soa    bool
	negTTL uint32
}

// parseResponse reads msg as the answer to the question (name, t) sent with
// ID id. It returns errMismatch if msg is not that answer (too short, not a
// response, another ID, opcode or question): the caller drops it and keeps
// waiting, as RFC 5452 9.1 asks. For an answer that matches it returns
// ErrMalformed if a record cannot be parsed, ErrCNAMELoop if the CNAME chain
// needs more than maxHops hops, and otherwise nil with out filled in; the
// caller acts on out.rcode and out.truncated. It allocates nothing on
// well-formed input.
func parseResponse(msg []byte, id uint16, name *dnsmessage.Name, t dnsmessage.Type, maxHops int, out *response) error {
	*out = response{ttl: math.MaxUint32, target: *name}
	// Check the fixed header by hand first: a datagram that is not ours is
	// dropped without parsing it (dnsmessage allocates its errors).
	if len(msg) < dnsHeaderLen || binary.BigEndian.Uint16(msg[0:2]) != id {
		return errMismatch
	}
	flags := binary.BigEndian.Uint16(msg[2:4])
	if flags&0x8000 == 0 || flags>>11&0xf != 0 || binary.BigEndian.Uint16(msg[4:6]) != 1 {
		return errMismatch // not a response, not a standard query, not one question
	}
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return errMismatch
	}
	q, err := p.Question()
	if err != nil || q.Type != t || q.Class != dnsmessage.ClassINET || !nameEqual(&q.Name, name) {
		return errMismatch
	}
	if p.SkipAllQuestions() != nil { // moves the parser to the answers
		return errMismatch
	}
	out.rcode, out.truncated = h.RCode, h.Truncated
	if h.Truncated || (h.RCode != dnsmessage.RCodeSuccess && h.RCode != dnsmessage.RCodeNameError) {
		return nil
	}
	answers := p // the parser positioned at the answer section, rewound for each pass
	if err := followCNAMEs(answers, maxHops, out); err != nil {
		return err
	}
	p = answers
	if err := collectAddrs(&p, t, out); err != nil {
		return err
	}
	if out.n > 0 {
		return nil
	}
	return findSOA(&p, out)
}

// followCNAMEs moves out.target along the CNAME records in the answer
// section, one pass per hop: servers usually order the chain, but RFC 1034
// does not require it. A name has at most one CNAME (RFC 2181 10.1), so the
// first one found for the current target is followed.
func followCNAMEs(answers dnsmessage.Parser, maxHops int, out *response) error {
	for {
		p := answers
		found := false
		for {
			hdr, err := p.AnswerHeader()
			if err == dnsmessage.ErrSectionDone {
				break
			}
			if err != nil {
				return ErrMalformed
			}
			if hdr.Type != dnsmessage.TypeCNAME || hdr.Class != dnsmessage.ClassINET || !nameEqual(&hdr.Name, &out.target) {
				if p.SkipAnswer() != nil {
					return ErrMalformed
				}
				continue
			}
			c, err := p.CNAMEResource()
			if err != nil {
				return ErrMalformed
			}
			out.target = c.CNAME
			out.ttl = min(out.ttl, hdr.TTL)
			found = true
			break
		}
		if !found {
			return nil
		}
		if out.hops++; out.hops > maxHops {
			return ErrCNAMELoop
		}
	}
}

// collectAddrs keeps the records of type t owned by out.target, and reads
// the whole answer section so that a malformed record anywhere in it fails
// the answer.
func collectAddrs(p *dnsmessage.Parser, t dnsmessage.Type, out *response) error {
	for {
		hdr, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			return nil
		}
		if err != nil {
			return ErrMalformed
		}
		if hdr.Type != t || hdr.Class != dnsmessage.ClassINET || !nameEqual(&hdr.Name, &out.target) {
			if p.SkipAnswer() != nil {
				return ErrMalformed
			}
			continue
		}
		var a netip.Addr
		switch t {
		case dnsmessage.TypeA:
			r, err := p.AResource()
			if err != nil || hdr.Length != 4 {
				return ErrMalformed
			}
			a = netip.AddrFrom4(r.A)
		case dnsmessage.TypeAAAA:
			r, err := p.AAAAResource()
			if err != nil || hdr.Length != 16 {
				return ErrMalformed
			}
			a = netip.AddrFrom16(r.AAAA)
		default: // not a type the resolver asks for
			if p.SkipAnswer() != nil {
				return ErrMalformed
			}
			continue
		}
		if out.n == MaxAddrs {
			out.dropped++
			continue
		}
		out.addrs[out.n] = a
		out.n++
		out.ttl = min(out.ttl, hdr.TTL)
	}
}

// findSOA looks for the SOA record that makes a negative answer cacheable.
func findSOA(p *dnsmessage.Parser, out *response) error {
	for {
		hdr, err := p.AuthorityHeader()
		if err == dnsmessage.ErrSectionDone {
			return nil
		}
		if err != nil {
			return ErrMalformed
		}
		if hdr.Type != dnsmessage.TypeSOA || hdr.Class != dnsmessage.ClassINET || out.soa {
			if p.SkipAuthority() != nil {
				return ErrMalformed
			}
			continue
		}
		soa, err := p.SOAResource()
		if err != nil {
			return ErrMalformed
		}
		out.soa, out.negTTL = true, min(hdr.TTL, soa.MinTTL)
	}
}
