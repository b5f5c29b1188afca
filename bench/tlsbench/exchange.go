package tlsbench

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/seed947b3480/legation/tlsx"
)

// endpoint is one established side of a pair on its link, driven from
// the calling goroutine: send queues p on the link, recv takes n bytes
// that the peer has already queued.
type endpoint interface {
	send(p []byte) error
	recv(n int) error
}

type tlsEnd struct{ c *tls.Conn }

func (e tlsEnd) send(p []byte) error {
	_, err := e.c.Write(p)
	return err
}

func (e tlsEnd) recv(n int) error {
	var buf [4096]byte
	for n > 0 {
		k, err := e.c.Read(buf[:min(n, len(buf))])
		if err != nil {
			return err
		}
		n -= k
	}
	return nil
}

type tlsxEnd struct {
	c       *tlsx.Conn
	in, out *queue
}

func (e tlsxEnd) send(p []byte) error {
	for len(p) > 0 {
		k, err := e.c.Write(p)
		if err != nil {
			return err
		}
		p = p[k:]
		flush(e.c, e.out)
	}
	return nil
}

func (e tlsxEnd) recv(n int) error {
	for n > 0 {
		b, err := e.c.ReadLease()
		if err == nil {
			n -= len(b)
			e.c.Consume(len(b))
			continue
		}
		if !errors.Is(err, tlsx.ErrWouldBlock) {
			return err
		}
		moved, err := feed(e.c, e.in)
		if err != nil {
			return err
		}
		if !moved && e.c.Buffered() == 0 {
			return errStalled
		}
	}
	return nil
}

// endpoints are pr's client and server on l. The link's queues stop
// waiting (noWait): everything recv asks for was sent before it.
func endpoints(pr pair, l link) (client, server endpoint, err error) {
	for _, q := range []*queue{l.c2s, l.s2c} {
		q.mu.Lock()
		q.noWait = true
		q.mu.Unlock()
	}
	end := func(side any, in, out *queue) endpoint {
		switch c := side.(type) {
		case *tls.Conn:
			return tlsEnd{c}
		case *tlsx.Conn:
			return tlsxEnd{c, in, out}
		}
		err = fmt.Errorf("no endpoint for %T", side)
		return nil
	}
	client = end(pr.client, l.s2c, l.c2s)
	server = end(pr.server, l.c2s, l.s2c)
	return client, server, err
}

// exchange sends one full record each way, client first, so that both
// sides' buffers reach the size a used connection keeps.
func exchange(pr pair, l link) error {
	cli, srv, err := endpoints(pr, l)
	if err != nil {
		return err
	}
	msg := make([]byte, recordSize)
	if err := cli.send(msg); err != nil {
		return err
	}
	if err := srv.recv(len(msg)); err != nil {
		return err
	}
	if err := srv.send(msg); err != nil {
		return err
	}
	return cli.recv(len(msg))
}
