package mqttbench

import "testing"

// impl starts one client connected to a fresh broker and returns run,
// which publishes n messages at QoS qos and returns once every one of them
// is finished (see the package doc), and the broker. Set-up may allocate;
// teardown belongs in tb.Cleanup.
type impl func(tb testing.TB, qos byte) (run func(n int) error, b *broker)

// impls are the implementations, in column order.
var impls = []struct {
	name  string
	start impl
}{
	{"legation", startLegation},
	{"paho", startPaho},
}
