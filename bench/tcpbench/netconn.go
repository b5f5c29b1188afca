package tcpbench

import (
	"fmt"
	"io"
	"net"
	"testing"
)

// netConnOps are the benchmark ops over anything that offers net.Conn and
// net.Listener (gVisor's gonet adapters, the kernel's sockets): the client
// runs on the benchmark's goroutine, the server on one goroutine of its own,
// each blocking as an ordinary Go program would.
type netConnOps struct {
	ln   net.Listener
	dial func() (net.Conn, error)
}

// pair dials one connection and accepts it.
func (o netConnOps) pair(tb testing.TB) (cli, srv net.Conn) {
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := o.ln.Accept()
		ch <- accepted{c, err}
	}()
	cli, err := o.dial()
	if err != nil {
		tb.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		tb.Fatal(a.err)
	}
	tb.Cleanup(func() {
		cli.Close()
		a.c.Close()
	})
	return cli, a.c
}

// bulk: the server goroutine reads each op's bytes when told to start, so
// that dst is only ever written between the op's start and its end.
func (o netConnOps) bulk(tb testing.TB, src, dst []byte) func() error {
	cli, srv := o.pair(tb)
	start, done := make(chan struct{}), make(chan error)
	go func() {
		for range start {
			_, err := io.ReadFull(srv, dst)
			done <- err
		}
	}()
	tb.Cleanup(func() { close(start) })
	return func() error {
		start <- struct{}{}
		if _, err := cli.Write(src); err != nil {
			<-done
			return err
		}
		if err := <-done; err != nil {
			return fmt.Errorf("server read: %w", err)
		}
		return nil
	}
}

// pingPong: the server goroutine echoes what it reads; the client writes
// the request and reads the echo itself.
func (o netConnOps) pingPong(tb testing.TB, req, resp []byte) func() error {
	cli, srv := o.pair(tb)
	go func() {
		buf := make([]byte, len(req))
		for {
			n, err := srv.Read(buf)
			if n > 0 {
				if _, werr := srv.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return // closed at cleanup
			}
		}
	}()
	return func() error {
		if _, err := cli.Write(req); err != nil {
			return err
		}
		_, err := io.ReadFull(cli, resp)
		return err
	}
}

// connect: the server goroutine accepts, reads to EOF, closes and reports.
func (o netConnOps) connect(tb testing.TB) func() error {
	done := make(chan error, 1)
	go func() {
		var buf [64]byte
		for {
			c, err := o.ln.Accept()
			if err != nil {
				return // closed at cleanup
			}
			for err == nil {
				_, err = c.Read(buf[:])
			}
			c.Close()
			if err == io.EOF {
				err = nil
			}
			done <- err
		}
	}()
	return func() error {
		c, err := o.dial()
		if err != nil {
			return err
		}
		if err := c.Close(); err != nil {
			return err
		}
		if err := <-done; err != nil {
			return fmt.Errorf("server: %w", err)
		}
		return nil
	}
}
