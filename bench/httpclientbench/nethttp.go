package httpclientbench

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
)

// netHTTPSession is the standard library's client, as configured out of
// the box apart from its idle pool (one connection to one host is all it
// needs), fetching from serveHello on the host's loopback.
type netHTTPSession struct {
	client *http.Client
	req    *http.Request
	srv    *helloServer
	buf    [256]byte
}

func startNetHTTP(tb testing.TB) session {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &netHTTPSession{srv: serveHello(tb, ln)}
	tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
	tb.Cleanup(tr.CloseIdleConnections)
	s.client = &http.Client{Transport: tr}
	// One Request for every op, as the legation client reuses its own:
	// net/http allows it once the previous response's body is closed.
	s.req, err = http.NewRequest("GET", "http://"+ln.Addr().String()+helloPath, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.run(1); err != nil {
		tb.Fatal(err)
	}
	return s
}

func (s *netHTTPSession) run(n int) error {
	for i := range n {
		resp, err := s.client.Do(s.req)
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		got, err := readAll(resp.Body, s.buf[:])
		resp.Body.Close()
		switch {
		case err != nil:
			return fmt.Errorf("request %d: body: %w", i, err)
		case resp.StatusCode != 200:
			return fmt.Errorf("request %d: status %d", i, resp.StatusCode)
		case !bytes.Equal(got, body):
			return errBody
		}
	}
	return nil
}

func (s *netHTTPSession) conns() int64 { return s.srv.conns() }

// readAll reads r to its end into buf, without allocating; a body longer
// than buf is an error.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	have := 0
	for {
		if have == len(buf) {
			return nil, fmt.Errorf("body over %d bytes", len(buf))
		}
		n, err := r.Read(buf[have:])
		have += n
		if err == io.EOF {
			return buf[:have], nil
		}
		if err != nil {
			return nil, err
		}
	}
}
