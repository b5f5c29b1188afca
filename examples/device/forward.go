package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/seed947b3480/legation/netconn"
)

// forwarder bridges the host's kernel TCP to the device on the loopback
// link: each connection accepted on the host is dialed through the peer
// stack to the device, and bytes are copied both ways. WebSockets pass
// through like any other bytes.
type forwarder struct {
	ln     net.Listener
	nn     *netconn.Net
	device netip.AddrPort
	wg     sync.WaitGroup
	mu     sync.Mutex
	open   map[net.Conn]struct{} // host connections being bridged
	closed bool
}

func startForwarder(listen string, nn *netconn.Net, device netip.AddrPort) (*forwarder, error) {
	addr, err := listenAddr(listen)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", listen, err)
	}
	f := &forwarder{ln: ln, nn: nn, device: device, open: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go f.acceptLoop()
	return f, nil
}

func (f *forwarder) acceptLoop() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return // closed
		}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			c.Close()
			return
		}
		f.open[c] = struct{}{}
		f.wg.Add(1)
		f.mu.Unlock()
		go f.bridge(c)
	}
}

func (f *forwarder) bridge(host net.Conn) {
	defer f.wg.Done()
	defer func() {
		f.mu.Lock()
		delete(f.open, host)
		f.mu.Unlock()
		host.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	dev, err := f.nn.DialTCP(ctx, f.device)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "device: forward %s: %v\n", host.RemoteAddr(), err)
		return
	}
	defer dev.Close()
	// A clean end of one direction is passed on as a half-close; an error
	// on either side ends both.
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn, closeWrite func() error) {
		if _, err := io.Copy(dst, src); err != nil {
			host.Close()
			dev.Close()
		} else {
			closeWrite()
		}
		done <- struct{}{}
	}
	go pipe(dev, host, dev.CloseWrite)
	go pipe(host, dev, host.(*net.TCPConn).CloseWrite)
	<-done
	<-done
}

// stopAccepting closes the host listener.
func (f *forwarder) stopAccepting() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.ln.Close()
}

// closeAll ends the connections still being bridged (keep-alive ones a
// browser holds, typically: the device has closed its side already) and
// waits for the bridges, at most limit.
func (f *forwarder) closeAll(limit time.Duration) {
	f.mu.Lock()
	for c := range f.open {
		c.Close()
	}
	f.mu.Unlock()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		fmt.Fprintln(os.Stderr, "device: forwarded connections did not end in time")
	}
}
