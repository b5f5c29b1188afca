package httpbench

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/netip"
	"strconv"
	"syscall"
	"testing"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
)

// gnetResponse is the gnet handler's fixed answer, the same head httpd
// sends for the route (no Date header).
var gnetResponse = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
	strconv.Itoa(len(body)) + "\r\n\r\n" + string(body))

// gnetHandler frames requests the way gnet's HTTP example does at its
// simplest: a request ends at its first \r\n\r\n (no body is expected), and
// each complete one is answered with the fixed response. A partial request
// stays in gnet's inbound buffer until the rest arrives.
type gnetHandler struct {
	gnet.BuiltinEventEngine
	booted chan gnet.Engine
}

func (h *gnetHandler) OnBoot(eng gnet.Engine) gnet.Action {
	h.booted <- eng
	return gnet.None
}

func (h *gnetHandler) OnTraffic(c gnet.Conn) gnet.Action {
	in, _ := c.Peek(-1)
	used := 0
	for {
		end := bytes.Index(in[used:], []byte("\r\n\r\n"))
		if end < 0 {
			break
		}
		used += end + 4
		if _, err := c.Write(gnetResponse); err != nil {
			return gnet.Close
		}
	}
	c.Discard(used)
	return gnet.None
}

// gnetLogger keeps gnet's errors and drops its informational lines (one
// per start, which would land in the middle of the benchmark table).
type gnetLogger struct{}

func (gnetLogger) Debugf(string, ...any)          {}
func (gnetLogger) Infof(string, ...any)           {}
func (gnetLogger) Warnf(string, ...any)           {}
func (gnetLogger) Errorf(format string, a ...any) { log.Printf("gnet: "+format, a...) }
func (gnetLogger) Fatalf(format string, a ...any) { log.Fatalf("gnet: "+format, a...) }

// The start-up line goes to gnet's default logger, whatever the options.
func init() { logging.SetDefaultLoggerAndFlusher(gnetLogger{}, nil) }

// startGnet runs gnet with one event loop on the host's loopback.
func startGnet(tb testing.TB, n int) session {
	h := &gnetHandler{booted: make(chan gnet.Engine, 1)}
	ran := make(chan error, 1)
	go func() {
		ran <- gnet.Run(h, "tcp4://127.0.0.1:0",
			gnet.WithMulticore(false),
			gnet.WithNumEventLoop(1),
			gnet.WithLogger(gnetLogger{}))
	}()
	var eng gnet.Engine
	select {
	case eng = <-h.booted:
	case err := <-ran:
		tb.Fatalf("gnet: %v", err)
	}
	tb.Cleanup(func() {
		// Stop checks for the end of the shutdown every 500 ms, but Run
		// returns as soon as it is over: wait for that and release Stop.
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { eng.Stop(ctx); close(stopped) }()
		if err := <-ran; err != nil {
			tb.Error(err)
		}
		cancel()
		<-stopped
	})
	addr, err := gnetAddr(eng)
	if err != nil {
		tb.Fatal(err)
	}
	return dialKernelClients(tb, addr, n)
}

// gnetAddr finds the port the kernel gave gnet's listener: gnet reports no
// address, but lends a duplicate of the listening socket.
func gnetAddr(eng gnet.Engine) (string, error) {
	fd, err := eng.Dup()
	if err != nil {
		return "", err
	}
	defer syscall.Close(fd)
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return "", err
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		return "", fmt.Errorf("gnet listens on %T", sa)
	}
	return netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), uint16(in4.Port)).String(), nil
}
