// Package dhcp is a DHCPv4 client (RFC 2131, options from RFC 2132) that
// configures a legation stack: its address and prefix, default gateway, DNS
// and NTP servers.
//
// The client is a reactor task. Start begins acquiring and returns a
// future that completes with the first lease, or with ErrTimeout after
// Config.Timeout; from then on the client keeps the lease alive on its own
// (renewing at T1 by unicast, rebinding at T2 by broadcast, taking the
// address away when the lease expires) and reports every change through
// Config.OnChange. It follows RFC 2131's states: INIT, SELECTING,
// REQUESTING, BOUND, RENEWING, REBINDING, INIT-REBOOT and REBOOTING, plus
// PROBING, where it checks an acknowledged address with ARP probes (RFC
// 5227) and declines it if another host answers.
//
// Retransmissions follow RFC 2131 4.1: 4 s, 8 s, 16 s... each randomised
// by ±1 s and capped at 64 s; renewal and rebinding retry at half the time
// left, no more often than Config.RenewRetryMin. All timers are data
// handed to the reactor: the client never reads a clock or sleeps, and on
// its steady path (retransmissions, renewals) it allocates nothing.
//
// What it does not do: DHCPINFORM, DHCPv6, relay agent options, more than
// one interface, or choosing among several offers (it takes the first
// valid one). Package dhcptest holds a scripted server for tests and the
// loopback demo; it is not a production server.
package dhcp
