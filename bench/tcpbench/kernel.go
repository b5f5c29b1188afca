package tcpbench

import (
	"net"
	"testing"
)

func init() { register("kernel", kernelTransport{}) }

// kernelTransport is the host kernel's TCP over 127.0.0.1, through Go's net
// package (its netpoller, TCP_NODELAY on), as the reference every userspace
// stack is measured against. It is not a like-for-like link: the loopback
// interface's MTU is 64 KiB, so a 64 KiB op is two segments rather than 45,
// and the kernel offloads checksums on lo. The link-MTU metric says so.
type kernelTransport struct{}

func (kernelTransport) mtu() int {
	if lo, err := net.InterfaceByName("lo"); err == nil {
		return lo.MTU
	}
	return 65536
}

func (kernelTransport) ops(tb testing.TB) netConnOps {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	addr := ln.Addr().String()
	return netConnOps{ln: ln, dial: func() (net.Conn, error) { return net.Dial("tcp4", addr) }}
}

func (k kernelTransport) bulk(tb testing.TB, src, dst []byte) func() error {
	return k.ops(tb).bulk(tb, src, dst)
}

func (k kernelTransport) pingPong(tb testing.TB, req, resp []byte) func() error {
	return k.ops(tb).pingPong(tb, req, resp)
}

func (k kernelTransport) connect(tb testing.TB) func() error {
	return k.ops(tb).connect(tb)
}
