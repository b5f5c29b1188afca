// Command echo runs the RFC 862 echo service on UDP and TCP port 7 over a
// legation stack.
//
// On the default loopback link a second stack in the same process plays the
// client: it sends -n datagrams and then -n lines over one TCP connection,
// prints each echo and its round-trip time and exits. On a TAP or QEMU link
// the service runs until interrupted:
//
//	go run ./examples/echo                      # self-contained demo
//	go run ./examples/echo -link tap:tap0       # answer the kernel over TAP
//	go run ./examples/echo -link qemu:127.0.0.1:5555
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seed947b3480/legation/examples/internal/netup"
	"github.com/seed947b3480/legation/servers/echo"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/udp"
)

func main() {
	link := netup.Register(flag.CommandLine)
	count := flag.Int("n", 5, "loopback demo: datagrams to send before exiting (0: serve forever)")
	stats := flag.Bool("stats", false, "print the stack's counters on exit")
	flag.Parse()

	env, err := link.Up()
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
	defer env.Close()
	if _, err := echo.Serve(env.Stack, echo.Port); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	code := 0
	if env.Peer != nil && *count > 0 {
		if err := demo(env, *count); err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
			code = 1
		}
	} else {
		fmt.Fprintf(os.Stderr, "echo: serving UDP and TCP port %d; Ctrl-C to stop\n", echo.Port)
		_ = env.Reactor.Run(ctx)
	}
	if *stats {
		printCounters(env.Stack.Counters())
	}
	env.Close()
	os.Exit(code)
}

// demo has the peer stack send count datagrams to the echo service.
func demo(env *netup.Env, count int) error {
	cli := env.Peer.NewUDPSocket(udp.Config{})
	server := netip.AddrPortFrom(env.Stack.Addr().Addr(), echo.Port)
	if err := cli.Connect(server); err != nil {
		return err
	}
	buf := make([]byte, 2048)
	r := env.Reactor
	for i := 1; i <= count; i++ {
		msg := []byte(fmt.Sprintf("hello %d from %s", i, netip.AddrPortFrom(env.PeerAddr, cli.LocalAddr().Port())))
		start := time.Now()
		if err := cli.Send(msg); err != nil {
			return err
		}
		f := cli.Recv(buf, r.Now().Add(2*time.Second))
		r.RunUntil(3*time.Second, f.Done)
		res, err := f.Result()
		if err != nil {
			return fmt.Errorf("datagram %d: %w", i, err)
		}
		if !bytes.Equal(buf[:res.N], msg) {
			return fmt.Errorf("datagram %d came back altered: %q", i, buf[:res.N])
		}
		fmt.Printf("udp: %d bytes from %s: %q time=%v\n", res.N, res.From, buf[:res.N], time.Since(start).Round(time.Microsecond))
	}
	return demoTCP(env, server, count)
}

// demoTCP has the peer stack send count lines over one TCP connection.
func demoTCP(env *netup.Env, server netip.AddrPort, count int) error {
	r := env.Reactor
	c, err := env.Peer.DialTCP(server, tcp.Config{})
	if err != nil {
		return err
	}
	f := c.ConnectFuture()
	r.RunUntil(5*time.Second, f.Done)
	if err := f.Err(); err != nil || !f.Done() {
		return fmt.Errorf("tcp connect to %s: %v", server, err)
	}
	local, _ := c.Tuple()
	buf := make([]byte, 2048)
	for i := 1; i <= count; i++ {
		msg := []byte(fmt.Sprintf("line %d over TCP from %s\n", i, local))
		start := time.Now()
		if n, err := c.Write(msg); n != len(msg) {
			return fmt.Errorf("tcp write: %d of %d bytes, %v", n, len(msg), err)
		}
		var got []byte
		r.RunUntil(3*time.Second, func() bool {
			n, _ := c.Read(buf)
			got = append(got, buf[:n]...)
			return len(got) >= len(msg)
		})
		if !bytes.Equal(got, msg) {
			return fmt.Errorf("tcp line %d came back as %q", i, got)
		}
		fmt.Printf("tcp: %d bytes from %s: %q time=%v\n", len(got), server, bytes.TrimSpace(got), time.Since(start).Round(time.Microsecond))
	}
	c.Close()
	r.RunUntil(3*time.Second, c.CloseFuture().Done)
	return nil
}

func printCounters(c stack.Counters) {
	fmt.Fprintf(os.Stderr, "rx frames=%d bytes=%d  tx frames=%d bytes=%d  udp rx=%d tx=%d  icmp echo=%d  arp requests=%d misses=%d  dropped=%d\n",
		c.RxFrames, c.RxBytes, c.TxFrames, c.TxBytes, c.RxUDP, c.TxUDP, c.EchoRequests, c.ARPRequests, c.ARPMisses, c.Dropped)
	for r := 0; r < stack.NumDropReasons; r++ {
		if n := c.Drops[r]; n > 0 {
			fmt.Fprintf(os.Stderr, "  drop %s=%d\n", stack.DropReason(r), n)
		}
	}
}
