package tlsstream

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

// An Acceptor offers in ALPN what Prepare was told unless its Config names
// protocols of its own, without touching the caller's Config, and its
// sessions are ordinary server Conns.
func TestAcceptorALPN(t *testing.T) {
	for _, tc := range []struct {
		name    string
		own     []string
		prepare []string
		want    string
	}{
		{"prepared", nil, []string{"http/1.1"}, "http/1.1"},
		{"config's own", []string{"x-other"}, []string{"http/1.1"}, "x-other"},
		{"none", nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVPair(t, 0, 0)
			cfg := v.serverConfig()
			cfg.NextProtos = tc.own
			a := &Acceptor{Config: cfg}
			if err := a.Prepare(tc.prepare); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.NextProtos, tc.own) {
				t.Fatalf("Prepare changed the caller's NextProtos to %q", cfg.NextProtos)
			}
			var srv *Conn
			v.l.OnAccept(func() {
				c, ok := v.l.Accept()
				if !ok {
					return
				}
				s, err := a.Secure(c)
				if err != nil {
					t.Errorf("Secure: %v", err)
					c.Abort()
					return
				}
				srv = s.(*Conn)
			})
			c := v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test", NextProtos: []string{"x-other", "http/1.1"}}, 0, 0, Options{})
			if !v.run(10*time.Second, func() bool { return c.ConnectFuture().Done() && srv != nil && srv.ConnectFuture().Done() }) {
				t.Fatal("handshake did not complete")
			}
			if err := c.ConnectFuture().Err(); err != nil {
				t.Fatal(err)
			}
			if got := c.TLS().NegotiatedProtocol(); got != tc.want {
				t.Errorf("ALPN %q, want %q", got, tc.want)
			}
			if got := srv.TLS().NegotiatedProtocol(); got != tc.want {
				t.Errorf("server's ALPN %q, want %q", got, tc.want)
			}
		})
	}
}

// A Config the engine cannot serve with fails Prepare, and Secure without
// one returns a nil stream (not a nil *Conn in an interface).
func TestAcceptorRefusals(t *testing.T) {
	for _, a := range []*Acceptor{{}, {Config: &tlsx.Config{}}} {
		if err := a.Prepare([]string{"http/1.1"}); !errors.Is(err, tlsx.ErrConfig) {
			t.Errorf("Prepare(%+v) = %v, want tlsx.ErrConfig", a.Config, err)
		}
	}
	v := newVPair(t, 0, 0)
	inner, err := v.p.A.DialTCP(serverAddr, tcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := (&Acceptor{}).Secure(inner)
	if !errors.Is(err, tlsx.ErrConfig) || s != nil {
		t.Errorf("Secure with no Config = %v, %v; want nil, tlsx.ErrConfig", s, err)
	}
	inner.Abort()
}
