package interop

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	lhttp "github.com/seed947b3480/legation/clients/http"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// The legation HTTP client over tlsx (tlsstream.Dialer as its TLSDialer)
// against Go's net/http HTTPS server on the kernel side of the TAP link,
// with a certificate from a CA made for the test, which the client
// trusts: statuses, bodies both ways with their SHA-256, keep-alive reuse
// over one TLS session, and the refusals (an unknown CA, a wrong host
// name) as typed tlsx errors inside the HTTP client's.
func TestHTTPClientTLS(t *testing.T) {
	env := hcSetup(t)
	pki := hctNewPKI(t, net.ParseIP(hcKernelAddr))
	srv := hctStartServer(t, env.ns, pki)
	dialer := func(cfg *tlsx.Config) *tlsstream.Dialer {
		return &tlsstream.Dialer{Inner: &stream.TCP{Host: env.d.s, Config: tcp.Config{NoDelay: true}}, Config: cfg}
	}
	hc := hcNewClient(t, env.d, lhttp.Config{IOTimeout: 10 * time.Second,
		TLSDialer: dialer(&tlsx.Config{RootCAs: pki.roots})})

	t.Run("statuses", func(t *testing.T) {
		for _, code := range []int{200, 204, 301, 404, 500} {
			r := hc.fetch(t, &lhttp.Request{URL: srv.url("/status/" + strconv.Itoa(code)), NoRedirect: true})
			if r.err != nil || r.status != code {
				t.Fatalf("/status/%d: %d, %v", code, r.status, r.err)
			}
		}
	})

	t.Run("bodies", func(t *testing.T) {
		for _, size := range []int{0, 1 << 10, 1 << 20, 16 << 20} {
			for _, framing := range []string{"fixed", "chunked"} {
				r := hc.fetch(t, &lhttp.Request{URL: srv.url(fmt.Sprintf("/%s/%d", framing, size))})
				if r.err != nil || r.status != 200 || r.n != int64(size) || r.sum != hcBodySum(size) {
					t.Fatalf("%s %d: %v, status %d, %d bytes, SHA-256 match %v", framing, size, r.err, r.status, r.n, r.sum == hcBodySum(size))
				}
				if size >= 1<<20 {
					t.Logf("GET %-7s %8d bytes over TLS in %v (%.1f MB/s)", framing, size, r.took.Round(time.Millisecond),
						float64(size)/r.took.Seconds()/1e6)
				}
			}
		}
		for _, size := range []int{1 << 10, 1 << 20} {
			body := hcBody(size)
			r := hc.fetch(t, &lhttp.Request{Method: "POST", URL: srv.url("/sink"), Body: body, Into: make([]byte, 0, 128)})
			rec := srv.sunk(t)
			want := sha256.Sum256(body)
			if r.err != nil || r.status != 200 || rec.err != nil || rec.n != int64(size) || rec.sum != want {
				t.Fatalf("POST %d: %v, status %d; server read %d bytes (%v), SHA-256 match %v", size, r.err, r.status, rec.n, rec.err, rec.sum == want)
			}
			if size >= 1<<20 {
				t.Logf("POST %d bytes over TLS in %v", size, r.took.Round(time.Millisecond))
			}
		}
	})

	t.Run("keep-alive", func(t *testing.T) {
		hc.get(t, srv.url("/hello"), 200) // an idle connection to reuse
		before := srv.newConns.Load()
		for i := 0; i < 10; i++ {
			r := hc.fetch(t, &lhttp.Request{URL: srv.url("/hello"), Into: make([]byte, 0, 64)})
			if r.err != nil || r.status != 200 || string(r.body) != hcHello || !r.reused {
				t.Fatalf("request %d: %v, status %d, body %q, reused %v", i, r.err, r.status, r.body, r.reused)
			}
		}
		if n := srv.newConns.Load() - before; n != 0 {
			t.Errorf("%d new TLS connections for 10 requests on a kept-alive one", n)
		}
	})

	for _, tc := range []struct {
		name string
		cfg  *tlsx.Config
		want error
	}{
		{"unknown-ca", &tlsx.Config{RootCAs: pki.other}, tlsx.ErrUnknownCA},
		{"wrong-host", &tlsx.Config{RootCAs: pki.roots, ServerName: "wrong.test"}, tlsx.ErrHostName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := hcNewClient(t, env.d, lhttp.Config{TLSDialer: dialer(tc.cfg)})
			hctDrain(srv.tlsErrors)
			r := bad.fetch(t, &lhttp.Request{URL: srv.url("/hello")})
			if !errors.Is(r.err, tc.want) || !errors.Is(r.err, lhttp.ErrRefused) {
				t.Fatalf("err %v; want %v inside lhttp.ErrRefused", r.err, tc.want)
			}
			var te *tlsx.Error
			if !errors.As(r.err, &te) {
				t.Fatalf("err %v carries no *tlsx.Error", r.err)
			}
			// The server saw a failed handshake, not a request.
			select {
			case line := <-srv.tlsErrors:
				t.Logf("server: %s", line)
			case <-time.After(10 * time.Second):
				t.Error("the server logged no failed handshake")
			}
			t.Logf("refused: %v", r.err)
		})
	}
}

// hctServer is hcServer's routes behind TLS. tlsErrors gets the lines the
// server logs: failed handshakes.
type hctServer struct {
	*hcServer
	tlsErrors hctLog
}

// hctLog passes each line logged on, dropping lines nobody waits for.
type hctLog chan string

func (l hctLog) Write(p []byte) (int, error) {
	select {
	case l <- string(p):
	default:
	}
	return len(p), nil
}

func hctDrain(l hctLog) {
	for {
		select {
		case <-l:
		default:
			return
		}
	}
}

func hctStartServer(t *testing.T, ns *netnstest.NS, p *hctPKI) *hctServer {
	t.Helper()
	ln := hcListen(t, ns, 0)
	s := &hctServer{hcServer: &hcServer{port: ln.Addr().(*net.TCPAddr).Port, release: make(chan struct{}), sinks: make(chan hcSink, 64)},
		tlsErrors: make(hctLog, 16)}
	s.base = "https://" + net.JoinHostPort(hcKernelAddr, strconv.Itoa(s.port))
	s.srv = &http.Server{Handler: s.mux(), ConnState: s.connState, ReadHeaderTimeout: 30 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{p.server}},
		ErrorLog:  log.New(s.tlsErrors, "", 0)}
	served := make(chan error, 1)
	go func() { served <- s.srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		close(s.release)
		s.srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("kernel https server: %v", err)
		}
	})
	return s
}
