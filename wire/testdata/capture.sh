#!/bin/bash
# capture.sh regenerates the *.hex fixtures in this directory from real frames sent by the
# Linux kernel. It needs root, iproute2, ethtool, nftables, tcpdump, iputils-ping and socat.
#
# Two network namespaces are joined by a veth pair (10.99.0.1 02:00:00:00:99:01 and
# 10.99.0.2 02:00:00:00:99:02), with checksum offload off so that every checksum on the
# wire is complete. tcpdump on the first side records: ping (ARP and ICMP echo), ping -R
# (IPv4 options), a 2,000-byte ping (IPv4 fragments), UDP datagrams (one to a closed port,
# answered by ICMP port unreachable), a TCP connection with data both ways, a SYN to a
# closed port (RST), and a bulk transfer whose 1st and 3rd data segments an nftables rule
# drops on input, so that the receiver answers with SACK blocks.
#
# Sequence numbers, timestamps and IP IDs change with every run: after regenerating,
# update the expected values in fixtures_test.go from the tcpdump lines in each file.
#
# usage: sudo ./capture.sh [outdir]   (default: the directory of this script)
set -u
OUTDIR=${1:-$(cd "$(dirname "$0")" && pwd)}
A=wfxa$$; B=wfxb$$; TMP=$(mktemp -d); PCAP=$TMP/capture.pcap
cleanup() {
	[ -n "${TD:-}" ] && kill -INT "$TD" 2>/dev/null && wait "$TD" 2>/dev/null
	for p in $(ip netns pids $B 2>/dev/null) $(ip netns pids $A 2>/dev/null); do kill "$p" 2>/dev/null; done
	ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add $A; ip netns add $B
for n in $A $B; do
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n $n link set lo up
done
ip link add va$$ netns $A type veth peer name vb$$ netns $B
ip -n $A link set va$$ address 02:00:00:00:99:01
ip -n $B link set vb$$ address 02:00:00:00:99:02
ip -n $A addr add 10.99.0.1/24 dev va$$; ip -n $B addr add 10.99.0.2/24 dev vb$$
ip netns exec $A ethtool -K va$$ tx off rx off >/dev/null; ip netns exec $B ethtool -K vb$$ tx off rx off >/dev/null
ip -n $A link set va$$ up; ip -n $B link set vb$$ up
ip netns exec $A tcpdump --immediate-mode -U -n -i va$$ -w "$PCAP" 2>"$TMP/td.err" & TD=$!
for i in $(seq 100); do grep -q listening "$TMP/td.err" && break; sleep 0.1; done

ip netns exec $A ping -c1 -W2 10.99.0.2
ip netns exec $A ping -c1 -W2 -p 6c65676174696f6e -R 10.99.0.2
ip netns exec $A ping -c1 -W2 -s 2000 10.99.0.2
ip netns exec $B socat -u UDP4-RECV:5555 OPEN:/dev/null & U=$!
sleep 0.3
printf 'hello, wire\n' | ip netns exec $A socat -u - UDP4-SENDTO:10.99.0.2:5555,sourceport=40000
printf 'no one here' | ip netns exec $A socat -u - UDP4-SENDTO:10.99.0.2:5556,sourceport=40001
sleep 0.3; kill $U
ip netns exec $B socat TCP4-LISTEN:8080,reuseaddr SYSTEM:'echo hi' & T=$!
sleep 0.3
printf 'hello\n' | ip netns exec $A socat - TCP4:10.99.0.2:8080,sourceport=40002
sleep 0.3
ip netns exec $A socat - TCP4:10.99.0.2:8081,sourceport=40003 </dev/null
sleep 0.5
kill $T 2>/dev/null
printf 'table ip wfx {\n chain in {\n  type filter hook input priority 0;\n  tcp dport 8082 ip length > 100 numgen inc mod 1000 { 0, 2 } drop\n }\n}\n' | ip netns exec $B nft -f -
ip netns exec $B socat -u TCP4-LISTEN:8082,reuseaddr OPEN:/dev/null & S=$!
sleep 0.3
head -c 8000 /dev/zero | ip netns exec $A socat -u - TCP4:10.99.0.2:8082,sourceport=40004
sleep 0.5
kill $S 2>/dev/null; sleep 0.5
kill -INT $TD; wait $TD; TD=

# frame number in the capture -> fixture name
emit() {
	local n=$1 name=$2 f=$OUTDIR/$2.hex
	{
		echo "# Frame $n of a capture made by testdata/capture.sh on $(date -u +%Y-%m-%d), Linux $(uname -r),"
		echo "# veth between two network namespaces, checksum offload off. tcpdump -n -e -vv -S says:"
		tcpdump -r "$PCAP" -n -e -vv -S 2>/dev/null | awk -v n=$n '/^[0-9]/{i++} i==n' | sed 's/^/#   /'
		tcpdump -r "$PCAP" -xx 2>/dev/null | awk -v n=$n '/^[0-9]/{i++; next} i==n' | sed 's/^\t//'
	} >"$f"
}
emit 1 arp_request; emit 2 arp_reply
emit 3 icmp_echo_request; emit 4 icmp_echo_reply
emit 5 ipv4_rr_echo_request; emit 6 ipv4_rr_echo_reply
emit 7 ipv4_frag_first; emit 8 ipv4_frag_last
emit 11 udp_datagram; emit 12 udp_closed_port; emit 13 icmp_port_unreachable
emit 14 tcp_syn; emit 15 tcp_synack; emit 16 tcp_ack; emit 17 tcp_psh_data; emit 19 tcp_fin
emit 25 tcp_rst; emit 34 tcp_sack1; emit 35 tcp_sack2
