// Package interop holds legation's acceptance tests against peers nobody on
// the team wrote: the Linux kernel's TCP/IP over TAP in a network namespace
// (clean, behind legation's fault injector, and behind nftables drops on a
// bridge), QEMU's user-mode network with QEMU as the switch, dnsmasq,
// chronyd, curl (against netconn and against servers/httpd: every route and
// refusal, 32 MiB streams, slow clients), python3-websockets and raw kernel
// sockets against the WebSocket engine, headless Chromium loading the
// dashboard of examples/device, Go's net/http server and raw kernel sockets
// against the HTTP client (cross-checked with curl), and mosquitto against
// the MQTT client over TAP and through QEMU (cross-checked with
// mosquitto_sub and mosquitto_pub). The tests need root and Debian packages
// (iproute2, iputils-ping, qemu-system-arm, tshark, dnsmasq-base, chrony,
// bind9-dnsutils, curl, nftables, python3-websockets, chromium, mosquitto,
// mosquitto-clients) that scripts/deps.sh installs; without them they skip and say
// why.
package interop
