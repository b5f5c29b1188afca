// Package sntp holds the SNTP client's comparison with an independent
// implementation: legation's client, over a TAP device on its own stack,
// and github.com/beevik/ntp, on the kernel's UDP, measure the same chronyd
// (`chronyd -x`, which never touches the system clock) in a network
// namespace, and must agree within 1 ms. It is a test package only; it
// needs root, iproute2 and chrony, and skips, saying why, without them.
package sntp
