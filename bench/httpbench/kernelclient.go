package httpbench

import (
	"errors"
	"fmt"
	"net"
	"testing"
)

// kernelClients are n raw TCP connections to a server on the host's
// loopback, one goroutine each, as the clients of the kernel-hosted
// servers: each writes the request bytes and reads the response with
// parseResponse, the same parsing as the legation clients.
type kernelClients struct {
	work  []chan int // per client: round trips to make
	done  chan error // one answer per client per run
	conns []net.Conn
	sizes []int // per client: the length of its latest response
}

func dialKernelClients(tb testing.TB, addr string, n int) *kernelClients {
	k := &kernelClients{done: make(chan error, n), sizes: make([]int, n)}
	for i := range n {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			tb.Fatal(err)
		}
		k.conns = append(k.conns, c)
		w := make(chan int)
		k.work = append(k.work, w)
		go k.serve(i, c, w)
	}
	tb.Cleanup(func() {
		for i := range k.work {
			close(k.work[i])
			k.conns[i].Close()
		}
	})
	// One round trip each: connections accepted, buffers in place.
	if err := k.run(n); err != nil {
		tb.Fatal(err)
	}
	return k
}

func (k *kernelClients) run(total int) error {
	for i, w := range k.work {
		w <- share(total, len(k.work), i)
	}
	var errs []error
	for range k.work {
		if err := <-k.done; err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (k *kernelClients) respLen() int { return k.sizes[0] }

// serve is one client's goroutine.
func (k *kernelClients) serve(i int, c net.Conn, work <-chan int) {
	var buf [respBufSize]byte
	for todo := range work {
		var err error
		for ; todo > 0 && err == nil; todo-- {
			k.sizes[i], err = roundTrip(c, buf[:])
		}
		k.done <- err
	}
}

// roundTrip sends the request on c and reads the whole response into buf.
func roundTrip(c net.Conn, buf []byte) (int, error) {
	if _, err := c.Write(request); err != nil {
		return 0, err
	}
	have := 0
	for {
		n, err := c.Read(buf[have:])
		have += n
		if err != nil {
			return 0, fmt.Errorf("after %d bytes: %w", have, err)
		}
		total, err := parseResponse(buf[:have])
		if err != nil {
			return 0, err
		}
		if total == 0 {
			continue
		}
		if total != have {
			return 0, errTrailing
		}
		return total, nil
	}
}
