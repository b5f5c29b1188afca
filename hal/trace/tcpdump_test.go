package trace

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seed947b3480/legation/hal/pcap"
)

// TestSummaryMatchesTcpdump writes the known frames that tcpdump prints the
// same way to a capture and checks that Summary agrees with tcpdump -nn -e -S
// on each, TCP option lists aside (tcpdump lists them in wire order with
// their NOPs; Summary lists what they mean).
func TestSummaryMatchesTcpdump(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump not on PATH (Debian package tcpdump): no independent decoder to compare with")
	}
	same := map[string]bool{
		"icmp echo request": true, "icmp echo reply": true, "arp request padded": true, "arp reply": true,
		"udp": true, "tcp syn-ack with options": true, "tcp syn, no ack shown": true, "tcp data": true,
		"tcp fin": true, "tcp rst": true, "udp bad checksum": true,
	}
	var frames [][]byte
	var names []string
	for _, tc := range knownFrames() {
		if same[tc.name] {
			frames = append(frames, tc.frame)
			names = append(names, tc.name)
		}
	}
	if len(frames) != len(same) {
		t.Fatalf("found %d of the %d frames to compare", len(frames), len(same))
	}
	path := filepath.Join(t.TempDir(), "known.pcap")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcap.NewWriter(fh, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := w.WritePacket(0, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tcpdump, "-nn", "-e", "-S", "-r", path).Output()
	if err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(frames) {
		t.Fatalf("tcpdump printed %d lines for %d frames:\n%s", len(lines), len(frames), out)
	}
	options := regexp.MustCompile(`, options \[[^\]]*\]`)
	norm := strings.NewReplacer("ethertype IPv4 (0x0800)", "IPv4", "ethertype ARP (0x0806)", "ARP")
	for i, line := range lines {
		// Drop the timestamp; Summary has none.
		_, line, _ = strings.Cut(line, " ")
		want := options.ReplaceAllString(norm.Replace(line), "")
		got := string(Summary(nil, frames[i]))
		got = strings.TrimSuffix(options.ReplaceAllString(got, ""), " [bad cksum]")
		if got != want {
			t.Errorf("%s:\n  summary %s\n  tcpdump %s", names[i], got, want)
		}
	}
}
