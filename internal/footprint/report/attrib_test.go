package report

import "github.com/seed947b3480/legation/internal/footprint"

func memRecords() footprint.AllocProfile { return footprint.ReadAllocProfile() }

// peerFrames mark an allocation as the simulated peer's (the test's
// network), not the device's.
var peerFrames = []string{
	"examples/internal/demobroker", "examples/internal/demontp", "dhcptest.",
	"report.(*httpPoller)", "report.(*wsClient)", "report.(*fullRig)", "app.(*DemoPeer)",
	"report.memRecords",
}

// deviceAllocs counts the allocations between two snapshots that are the
// device's (footprint.Attribute without the peer's) and names the busiest
// sites.
func deviceAllocs(before, after footprint.AllocProfile) (uint64, []string) {
	n, _, top := footprint.Attribute(before, after, peerFrames...)
	return n, top
}
