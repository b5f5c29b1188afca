package footprint

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain profiles every allocation, so Measure counts exactly those the
// code under test makes (Attribute) and not the runtime's own.
func TestMain(m *testing.M) {
	runtime.MemProfileRate = 1
	os.Exit(m.Run())
}

// Budget is issue 8's bound for configuration (1): Go heap beyond the
// socket buffers.
const Budget = 32 << 10

// Configuration (1) fits the budget and, over a virtual hour of DHCP
// renewals, reconnects, DNS cache turnover and ARP expiry, allocates
// nothing at all: not the device, not the peer, not the test.
func TestConfig1Budget(t *testing.T) {
	f, err := Measure(DefaultParams(), 10*time.Minute, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	st := f.Stats
	t.Logf("heap: stack %d, dhcp %d, dns %d, app %d = %d (socket buffers %d, beyond %d); after 10 min %d, after 1 h more %d; %d allocations in the hour",
		f.Stack, f.DHCP, f.DNS, f.App, f.Start, f.SocketBuf, f.Beyond, f.Warm, f.Hour, f.Mallocs)
	t.Logf("did: %v", st)
	// The hour must have done its work, or a cheap hour proves nothing.
	switch {
	case st.Exchanges < 4*3000 || st.Bytes != st.Exchanges*512:
		t.Errorf("only %d exchanges (%d bytes checked)", st.Exchanges, st.Bytes)
	case st.Dials < 4*3000/20:
		t.Errorf("only %d dials: reconnects did not happen", st.Dials)
	case st.ConnFailures != 0 || st.LookupFailures != 0:
		t.Errorf("%d connection and %d lookup failures", st.ConnFailures, st.LookupFailures)
	case st.Renewals < 60:
		t.Errorf("only %d DHCP REQUESTs: renewals did not happen", st.Renewals)
	case st.DNSEvictions < 500 || st.DNSQueries < 600:
		t.Errorf("%d DNS queries, %d evictions: no cache turnover", st.DNSQueries, st.DNSEvictions)
	case st.ARPResolved < 150:
		t.Errorf("ARP resolved only %d times: entries did not expire", st.ARPResolved)
	}
	if f.Beyond > Budget {
		t.Errorf("configuration (1) holds %d bytes of heap beyond its socket buffers, over the %d budget", f.Beyond, Budget)
	}
	if f.Mallocs != 0 || f.MallocBytes != 0 {
		t.Errorf("steady state allocated: %d allocations (%d B) in the hour, heap %d -> %d, at:\n%s",
			f.Mallocs, f.MallocBytes, f.Warm, f.Hour, strings.Join(f.Sites, "\n"))
	}
}

// The count is real: the same scenario on an unsized stack, whose
// connections are allocated as they are made, shows allocations.
func TestConfig1UnsizedAllocates(t *testing.T) {
	p := DefaultParams()
	p.Sized = false
	f, err := Measure(p, time.Minute, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if f.Mallocs == 0 || f.Stats.Dials == 0 {
		t.Fatalf("unsized: %d allocations over %d dials; the measurement sees nothing", f.Mallocs, f.Stats.Dials)
	}
	t.Logf("unsized: %d allocations in 10 min over %d dials, at:\n%s", f.Mallocs, f.Stats.Dials, strings.Join(f.Sites, "\n"))
}
