// Package interop holds legation's acceptance tests against peers nobody on
// the team wrote: the Linux kernel's TCP/IP over TAP in a network namespace,
// and QEMU's user-mode network with QEMU as the switch. The tests need root
// and Debian packages (iproute2, iputils-ping, qemu-system-arm, tshark) that
// .ci/run installs; without them they skip and say why.
package interop
