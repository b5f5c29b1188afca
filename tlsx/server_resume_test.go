package tlsx

import (
	"crypto/sha256"
	"crypto/tls"
	"testing"
	"time"
)

// TestServerGoClientResumption: crypto/tls keeps our ticket and the second
// connection resumes; across a HelloRetryRequest too; and not after the
// ticket expired or its key rotated out.
func TestServerGoClientResumption(t *testing.T) {
	p := getServerPKI(t)
	payload := testPayload(3000)
	want := sha256.Sum256(payload)
	keys, err := NewTicketKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	clock := func() time.Time { return now }
	for _, tc := range []struct {
		name    string
		groups  []Group
		curves  []tls.CurveID
		auth    ClientAuth
		between func()
		resumed bool
	}{
		{"resumes", nil, []tls.CurveID{tls.X25519}, NoClientCert, nil, true},
		{"resumes after HRR", []Group{P256}, []tls.CurveID{tls.X25519, tls.CurveP256}, NoClientCert, nil, true},
		{"resumes with mTLS", nil, []tls.CurveID{tls.X25519}, RequireAndVerifyClientCert, nil, true},
		{"expired", nil, []tls.CurveID{tls.X25519}, NoClientCert, func() { now = now.Add(25 * time.Hour) }, false},
		{"key rotated out", nil, []tls.CurveID{tls.X25519}, NoClientCert, func() {
			for i := 0; i < maxTicketKeys; i++ {
				keys.Rotate()
			}
		}, false},
		{"one rotation keeps it", nil, []tls.CurveID{tls.X25519}, NoClientCert, func() { keys.Rotate() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := serverConfig(p, "ecdsa-p256")
			cfg.TicketKeys, cfg.Time, cfg.Groups = keys, clock, tc.groups
			cfg.ClientAuth, cfg.ClientCAs = tc.auth, p.clientCAs
			ccfg := goClientConfig(p, tc.curves...)
			ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			ccfg.Certificates = []tls.Certificate{p.client}
			for i := 0; i < 2; i++ {
				c, r, ssum, _, err := runGoClient(t, cfg, ccfg, payload)
				if err != nil || r.err != nil || ssum != want || r.sum != want {
					t.Fatalf("conn %d: server %v client %v", i, err, r.err)
				}
				wantResumed := i == 1 && tc.resumed
				if c.DidResume() != wantResumed || r.state.DidResume != wantResumed {
					t.Fatalf("conn %d: DidResume server %v client %v, want %v", i, c.DidResume(), r.state.DidResume, wantResumed)
				}
				if c.tickets != 1 {
					t.Fatalf("conn %d: %d tickets sent", i, c.tickets)
				}
				if i == 0 && tc.between != nil {
					tc.between()
				}
			}
		})
	}
}
