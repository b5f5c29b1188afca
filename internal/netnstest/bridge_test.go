package netnstest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBridgeAndNFT: two namespaces joined through a bridge in a third
// reach each other; a bridge-family nftables rule in the third drops what
// it matches, and its named counter says how many.
func TestBridgeAndNFT(t *testing.T) {
	Require(t)
	RequireNFT(t)
	if _, err := exec.LookPath("ping"); err != nil {
		t.Skip("netnstest: skipped: ping not found (Debian package iputils-ping)")
	}
	sw, a, b := New(t), New(t), New(t)
	sw.AddVeth(t, "pa", a, "eth0")
	sw.AddVeth(t, "pb", b, "eth0")
	sw.AddBridge(t, "br0", "pa", "pb")
	a.ConfigureTap(t, "eth0", "10.79.0.1/24", 0)
	b.ConfigureTap(t, "eth0", "10.79.0.2/24", 0)

	if out, err := a.command("ping", "-c", "3", "-i", "0.01", "-W", "2", "10.79.0.2").CombinedOutput(); err != nil {
		t.Fatalf("ping across the bridge: %v\n%s", err, out)
	}

	sw.LoadNFT(t, `table bridge t {
	counter echoes {}
	chain forward {
		type filter hook forward priority 0; policy accept;
		ether type ip ip protocol icmp icmp type echo-request counter name echoes drop
	}
}`)
	out, err := a.command("ping", "-c", "4", "-i", "0.01", "-W", "1", "10.79.0.2").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "100% packet loss") {
		t.Fatalf("ping through the dropping rule: err %v, want 100%% loss\n%s", err, out)
	}
	if p, by := sw.NFTCounter(t, "bridge", "t", "echoes"); p != 4 || by == 0 {
		t.Fatalf("counter echoes: %d packets, %d bytes; want 4 packets", p, by)
	}
}

func TestParseNFTCounter(t *testing.T) {
	out := []byte(`{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"counter": {"family": "bridge", "name": "lost", "table": "imp", "handle": 1, "packets": 1234, "bytes": 567890}}]}`)
	p, b, ok := parseNFTCounter(out, "lost")
	if !ok || p != 1234 || b != 567890 {
		t.Fatalf("parseNFTCounter = %d, %d, %v; want 1234, 567890, true", p, b, ok)
	}
	for _, bad := range []string{"", "{", `{"nftables": []}`, `{"nftables": [{"counter": {"name": "other", "packets": 1}}]}`} {
		if _, _, ok := parseNFTCounter([]byte(bad), "lost"); ok {
			t.Errorf("parseNFTCounter(%q) ok, want not found", bad)
		}
	}
}
