package netnstest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// RequireNFT skips the test, saying why, unless nft(8) is on PATH (or in
// /usr/sbin, which a non-login root shell may not have on PATH).
func RequireNFT(t testing.TB) {
	t.Helper()
	if nftPath() == "" {
		t.Skip("netnstest: skipped: nft not found (Debian package nftables)")
	}
}

func nftPath() string {
	if p, err := exec.LookPath("nft"); err == nil {
		return p
	}
	if p, err := exec.LookPath("/usr/sbin/nft"); err == nil {
		return p
	}
	return ""
}

// LoadNFT loads a nftables ruleset (nft -f syntax) into the namespace's own
// tables; the host's rules are untouched and the rules go with the
// namespace.
func (n *NS) LoadNFT(t testing.TB, ruleset string) {
	t.Helper()
	RequireNFT(t)
	cmd := n.command(nftPath(), "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("netnstest: in %s: nft -f: %v\n%s\nruleset:\n%s", n.Name, err, out, ruleset)
	}
}

// NFTCounter reads the named counter object `counter NAME {}` of a table
// loaded with LoadNFT: the packets and bytes it has counted.
func (n *NS) NFTCounter(t testing.TB, family, table, name string) (packets, bytes uint64) {
	t.Helper()
	RequireNFT(t)
	out := n.Run(t, nftPath(), "-j", "list", "counter", family, table, name)
	p, b, ok := parseNFTCounter(out, name)
	if !ok {
		t.Fatalf("netnstest: in %s: no counter %s in nft -j output:\n%s", n.Name, name, out)
	}
	return p, b
}

// parseNFTCounter finds counter name in nft's JSON listing, which is
// {"nftables": [{"metainfo": {...}}, {"counter": {"name": ..., "packets":
// N, "bytes": N, ...}}]}.
func parseNFTCounter(out []byte, name string) (packets, bytes uint64, ok bool) {
	var doc struct {
		NFTables []struct {
			Counter *struct {
				Name    string `json:"name"`
				Packets uint64 `json:"packets"`
				Bytes   uint64 `json:"bytes"`
			} `json:"counter"`
		} `json:"nftables"`
	}
	if json.Unmarshal(out, &doc) != nil {
		return 0, 0, false
	}
	for _, o := range doc.NFTables {
		if o.Counter != nil && o.Counter.Name == name {
			return o.Counter.Packets, o.Counter.Bytes, true
		}
	}
	return 0, 0, false
}
