package netnstest

import "testing"

// AddVeth makes a veth pair: name stays in n and is brought up, peerName
// goes into peer's namespace, left down for ConfigureTap to address and
// bring up. Both ends go when either namespace is removed.
func (n *NS) AddVeth(t testing.TB, name string, peer *NS, peerName string) {
	t.Helper()
	n.ip(t, "link", "add", name, "type", "veth", "peer", "name", peerName, "netns", peer.Name)
	n.ip(t, "link", "set", "dev", name, "up")
}

// AddBridge makes a bridge br in n, enslaves ports to it (interfaces that
// already exist in n: a tap whose fd is attached, a veth end) and brings
// the bridge and every port up. The bridge gets no address: it is a switch
// for frames between its ports, where a nftables bridge-family table can
// filter them (LoadNFT). STP stays off, so ports forward at once.
func (n *NS) AddBridge(t testing.TB, br string, ports ...string) {
	t.Helper()
	n.ip(t, "link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0")
	n.ip(t, "link", "set", "dev", br, "up")
	for _, p := range ports {
		n.ip(t, "link", "set", "dev", p, "master", br)
		n.ip(t, "link", "set", "dev", p, "up")
	}
}
