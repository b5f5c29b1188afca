package interop

import "testing"

// bulkNFTLossPct is the loss nftables adds on the bridge, each way.
const bulkNFTLossPct = 5

// nftLossCase is the impaired link of bulkCases with the loss made by the
// kernel instead of our code: the TAP device sits on a bridge with a veth
// to the kernel peer's namespace, and a bridge-family nftables rule drops
// 5% of the IPv4 frames forwarded each way (`numgen random mod 100 < 5`;
// this kernel has no netem). The fault injector still adds the 2 ms
// delay, 10% reordering and 1% duplication, but loses nothing. The rule's
// counters prove the drops happened.
var nftLossCase = bulkCase{
	name: "nftloss",
	link: func(seed uint64) bulkLinkConfig {
		f := bulkImpairment(seed)
		f.Loss = 0
		return bulkLinkConfig{Fault: f, NFTLossPct: bulkNFTLossPct}
	},
	check: checkNFTLoss,
}

// checkNFTLoss asserts the bridge dropped about bulkNFTLossPct of the
// frames each way and the fault injector none.
func checkNFTLoss(t *testing.T, l *bulkLink) {
	t.Helper()
	c := l.nftCounts(t)
	// Thousands of frames each way: a random 5% falls well inside 3%..7%
	// unless the rule is not doing its job.
	for _, d := range []struct {
		name          string
		frames, drops uint64
	}{{"to stack", c.ToStack, c.DroppedToStack}, {"from stack", c.FromStack, c.DroppedFromStack}} {
		pct := 100 * float64(d.drops) / float64(max(d.frames, 1))
		if d.frames < 1000 || pct < 3 || pct > 7 {
			t.Errorf("nft %s: %d of %d frames dropped (%.2f%%), want about %d%%", d.name, d.drops, d.frames, pct, bulkNFTLossPct)
		}
	}
	s := l.fault.Stats()
	if s.RX.Lost != 0 || s.TX.Lost != 0 || s.RX.Reordered == 0 || s.TX.Reordered == 0 || s.RX.Overflow != 0 || s.TX.Overflow != 0 {
		t.Errorf("fault: %+v; want no loss of its own, reordering both ways, no overflow", s)
	}
}
