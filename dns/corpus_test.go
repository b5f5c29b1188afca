package dns

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/seed947b3480/legation/internal/fixture"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzDNSResponse from fuzzSeeds")

const corpusDir = "testdata/fuzz/FuzzDNSResponse"

// fuzzSeeds are the inputs FuzzDNSResponse starts from: the answers
// captured from dnsmasq, and built ones that sit on each check of the
// parser. They are checked in (go test runs them as regression tests);
// regenerate with go test ./dns -run TestFuzzCorpus -update-corpus.
func fuzzSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	files, err := filepath.Glob("testdata/*.hex")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".hex")
		seeds["capture-"+name] = loadHex(t, name)
	}
	q := func(name string, typ dnsmessage.Type) *dnsmessage.Message {
		return &dnsmessage.Message{Header: dnsmessage.Header{ID: 0x1234, RecursionDesired: true},
			Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(fqdn(name)), Type: typ, Class: dnsmessage.ClassINET}}}
	}
	a, aaaa := dnsmessage.TypeA, dnsmessage.TypeAAAA
	soa := []rr{{name: "test", ttl: 300, soaMin: 60}}
	loop := []rr{{name: "l0.test", ttl: 60, cname: "l1.test"}, {name: "l1.test", ttl: 60, cname: "l0.test"}}
	var many []rr
	for i := 0; i < MaxAddrs+2; i++ {
		many = append(many, rr{name: "many.test", ttl: 60, a: fmt.Sprintf("192.0.2.%d", i)})
	}
	unordered := chain("u", 3)
	unordered[0], unordered[2] = unordered[2], unordered[0]
	built := map[string][]byte{
		"a":               reply(q("host.test", a), rcodeOK, demoZone[:2], nil, nil),
		"aaaa":            reply(q("host.test", aaaa), rcodeOK, demoZone[2:3], nil, nil),
		"mixed-case":      reply(q("HoSt.TeSt", a), rcodeOK, []rr{{name: "host.TEST", ttl: 9, a: "192.0.2.1"}}, nil, nil),
		"nxdomain-soa":    reply(q("missing.test", a), rcodeNX, nil, soa, nil),
		"nodata-soa":      reply(q("host.test", aaaa), rcodeOK, nil, soa, nil),
		"cname-chain":     reply(q("c0.test", a), rcodeOK, chain("c", 4), nil, nil),
		"cname-unordered": reply(q("u0.test", a), rcodeOK, unordered, nil, nil),
		"cname-only":      reply(q("c0.test", a), rcodeOK, chain("c", 3)[:1], nil, nil),
		"cname-loop":      reply(q("l0.test", a), rcodeOK, loop, nil, nil),
		"cname-too-long":  reply(q("d0.test", a), rcodeOK, chain("d", 6), nil, nil),
		"too-many-addrs":  reply(q("many.test", a), rcodeOK, many, nil, nil),
		"servfail":        reply(q("host.test", a), dnsmessage.RCodeServerFailure, nil, nil, nil),
		"truncated": reply(q("host.test", a), rcodeOK, demoZone[:1], nil,
			func(h *dnsmessage.Header, _ *dnsmessage.Question) { h.Truncated = true }),
		"not-a-response": reply(q("host.test", a), rcodeOK, demoZone[:1], nil,
			func(h *dnsmessage.Header, _ *dnsmessage.Question) { h.Response = false }),
		"short-rdata": malformed(q("host.test", a)),
	}
	for k, v := range built {
		seeds["built-"+k] = v
	}
	// A compression pointer that points at itself, as the last answer's owner.
	ptr := append([]byte(nil), built["a"]...)
	off := len(ptr) - 16 // the first answer's owner name
	ptr[off], ptr[off+1] = 0xc0|byte(off>>8), byte(off)
	seeds["edge-pointer-loop"] = ptr
	seeds["edge-header-only"] = built["a"][:12]
	seeds["edge-cut-in-answer"] = built["a"][:len(built["a"])-3]
	return seeds
}

// The checked-in corpus holds every seed, byte for byte; with
// -update-corpus the test writes it instead.
func TestFuzzCorpus(t *testing.T) {
	seeds := fuzzSeeds(t)
	fixture.SyncCorpus(t, corpusDir, seeds, *updateCorpus, "go test ./dns -run TestFuzzCorpus -update-corpus")
	if *updateCorpus {
		return
	}
	if len(seeds) < 25 {
		t.Errorf("only %d seeds", len(seeds))
	}
}
