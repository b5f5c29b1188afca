package packet

import "testing"

// SUBSCRIBE and UNSUBSCRIBE share their filter-list helpers; reading the
// entries of a decoded packet and encoding one stay allocation-free.
func TestFilterListAllocs(t *testing.T) {
	sub := Subscribe{PacketID: 1, Subscriptions: []Subscription{{Filter: []byte("a/+"), Options: SubOptions(1)}, {Filter: []byte("b/#")}}}
	unsub := Unsubscribe{PacketID: 2, Filters: [][]byte{[]byte("a/+"), []byte("b/#")}}
	buf := make([]byte, 0, 256)
	subBytes, err := sub.Append(nil, V5)
	if err != nil {
		t.Fatal(err)
	}
	unsubBytes, err := unsub.Append(nil, V5)
	if err != nil {
		t.Fatal(err)
	}
	var p Packet
	count := 0
	n := testing.AllocsPerRun(100, func() {
		count = 0
		if _, err := sub.Append(buf[:0], V5); err != nil {
			panic(err)
		}
		if _, err := unsub.Append(buf[:0], V5); err != nil {
			panic(err)
		}
		if _, err := Decode(subBytes, V5, 0, &p); err != nil {
			panic(err)
		}
		for range p.Subscribe.Entries {
			count++
		}
		if _, err := Decode(unsubBytes, V5, 0, &p); err != nil {
			panic(err)
		}
		for range p.Unsubscribe.Entries {
			count++
		}
	})
	if n != 0 || count != 4 {
		t.Fatalf("%v allocations per round, %d entries read; want 0, 4", n, count)
	}
}
