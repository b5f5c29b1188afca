// Package stack is legation's network interface: the role of smoltcp's iface
// and embassy-net's Stack and Runner. It owns one hal.Device and runs as one
// reactor task: it takes frames in (Ethernet, ARP, IPv4 with reassembly, ICMP,
// UDP), answers what the stack itself answers (ARP requests, ICMP echo, ICMP
// port unreachable), demultiplexes datagrams to sockets in O(1), resolves next
// hops with an ARP cache (aging, retries, a bounded queue of packets waiting
// for resolution), routes off-link traffic to the gateway, and counts every
// frame and every drop by reason.
//
// Every poll does bounded work (Config.MaxFramesPerPoll frames in, as many
// out) so one busy peer cannot starve the reactor's other tasks.
//
// Its memory can be fixed up front: Config.Resources (NewResources, from
// Sizes) holds the TCP connection records, the ARP cache, the packets
// awaiting resolution and the reassembly slots, allocated once, so that a
// device that also gives its connections buffers allocates nothing after
// start, reconnects included; running out is ErrNoTCPSlot at DialTCP, or
// a reset and a count for a SYN.
//
// It does not forward between interfaces, speak IPv6 (yet) or do multicast.
package stack
