package interop

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	lhttp "github.com/seed947b3480/legation/clients/http"
)

// Redirects from Go's net/http server, each landing compared with curl -L's:
// a 301-302-303-307-308 chain with relative and with absolute Locations,
// the method and body kept by 307 and 308 and dropped by 301 (for a POST)
// and 303, a path-relative Location, a 3xx returned when the request or the
// client asks for it, and a loop ending in ErrTooManyRedirects.
func TestHTTPClientRedirects(t *testing.T) {
	requireCurl(t)
	env := hcSetup(t)
	srv := env.srv
	hc := hcNewClient(t, env.d, lhttp.Config{})
	body := pseudoRandom(5000, 13)
	sum := sha256.Sum256(body)
	upload := hcCurlUpload(t, body)

	cases := []struct {
		name, path string
		method     string
		body       bool
		redirects  int
		landed     string // the method the server saw at the end
		curl       []string
	}{
		{"chain", "/redirect/301/302/303/307/308", "GET", false, 5, "GET", nil},
		{"chain-absolute", "/redirect/301/302/303/307/308?abs=1", "GET", false, 5, "GET", nil},
		{"307-308-post", "/redirect/307/308", "POST", true, 2, "POST", []string{"--data-binary", upload}},
		{"308-put", "/redirect/308?abs=1", "PUT", true, 1, "PUT", []string{"-X", "PUT", "--data-binary", upload}},
		{"301-post", "/redirect/301", "POST", true, 1, "GET", []string{"--data-binary", upload}},
		{"303-post", "/redirect/303", "POST", true, 1, "GET", []string{"--data-binary", upload}},
		{"relative", "/relative/a/start", "GET", false, 1, "GET", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := srv.newConns.Load()
			req := &lhttp.Request{Method: c.method, URL: srv.url(c.path)}
			if c.body {
				req.Body = body
			}
			r := hc.fetch(t, req)
			h := r.header
			wantLen, wantSum := "0", sha256.Sum256(nil)
			if c.landed != "GET" {
				wantLen, wantSum = "5000", sum
			}
			if r.err != nil || r.status != 200 || r.redirects != c.redirects || h.Get("X-Method") != c.landed ||
				h.Get("X-Body-Length") != wantLen || h.Get("X-Body-Sha256") != hex.EncodeToString(wantSum[:]) {
				t.Fatalf("%v: status %d after %d redirects, landed %s with %s body bytes", r.err, r.status, r.redirects, h.Get("X-Method"), h.Get("X-Body-Length"))
			}
			if r.url != srv.url(h.Get("X-Request-Uri")) {
				t.Fatalf("Response.URL %q, the server answered %q", r.url, h.Get("X-Request-Uri"))
			}
			// Every hop was on the one origin: one connection, the
			// redirects' bodies read away.
			if n := srv.newConns.Load() - before; n > 1 {
				t.Fatalf("%d new connections for one origin", n)
			}
			cv := hcCurl(t, env.ns, srv.url(c.path), append([]string{"-L"}, c.curl...)...)
			for _, f := range []string{"X-Method", "X-Request-Uri", "X-Body-Length", "X-Body-Sha256"} {
				if cv.header.Get(f) != h.Get(f) || cv.status != r.status || cv.heads != c.redirects+1 {
					t.Fatalf("curl landed with %s %q (status %d after %d responses), the client with %q (status %d)",
						f, cv.header.Get(f), cv.status, cv.heads, h.Get(f), r.status)
				}
			}
		})
	}

	t.Run("cross-origin", func(t *testing.T) {
		// To another server (another port: another origin) the client
		// opens a connection there and leaves credentials behind; on the
		// same origin it keeps them.
		other := hcStartServer(t, env.ns)
		auth := []lhttp.Field{{Name: "Authorization", Value: "Bearer secret"}, {Name: "Cookie", Value: "session=1"}, {Name: "X-Keep", Value: "yes"}}
		r := hc.fetch(t, &lhttp.Request{URL: srv.url("/redirect-to?to=" + other.url("/echo")), Header: auth})
		if r.err != nil || r.status != 200 || r.redirects != 1 || r.url != other.url("/echo") || other.newConns.Load() != 1 {
			t.Fatalf("%v: status %d after %d redirects at %q; the other server accepted %d connections", r.err, r.status, r.redirects, r.url, other.newConns.Load())
		}
		if h := r.header; h.Get("X-Echo-Authorization") != "" || h.Get("X-Echo-Cookie") != "" || h.Get("X-Echo-X-Keep") != "yes" {
			t.Fatalf("the other origin was sent Authorization %q, Cookie %q, X-Keep %q", h.Get("X-Echo-Authorization"), h.Get("X-Echo-Cookie"), h.Get("X-Echo-X-Keep"))
		}
		r = hc.fetch(t, &lhttp.Request{URL: srv.url("/redirect-to?to=/echo"), Header: auth})
		if h := r.header; r.err != nil || h.Get("X-Echo-Authorization") != "Bearer secret" || h.Get("X-Echo-Cookie") != "session=1" {
			t.Fatalf("same origin: %v, Authorization %q, Cookie %q", r.err, h.Get("X-Echo-Authorization"), h.Get("X-Echo-Cookie"))
		}
	})

	t.Run("not-followed", func(t *testing.T) {
		r := hc.fetch(t, &lhttp.Request{URL: srv.url("/redirect/302"), NoRedirect: true})
		if r.err != nil || r.status != 302 || r.header.Get("Location") != "/redirect/" || r.redirects != 0 {
			t.Fatalf("NoRedirect: %v, status %d, Location %q", r.err, r.status, r.header.Get("Location"))
		}
		cv := hcCurl(t, env.ns, srv.url("/redirect/302"))
		if cv.status != r.status || cv.sum != r.sum {
			t.Fatalf("curl got %d, the client %d; bodies equal %v", cv.status, r.status, cv.sum == r.sum)
		}
		noFollow := hcNewClient(t, env.d, lhttp.Config{NoRedirects: true})
		if r := noFollow.fetch(t, &lhttp.Request{URL: srv.url("/redirect/308?abs=1")}); r.err != nil || r.status != 308 || r.header.Get("Location") != srv.url("/redirect/?abs=1") {
			t.Fatalf("Config.NoRedirects: %v, status %d, Location %q", r.err, r.status, r.header.Get("Location"))
		}
		// A streamed body cannot be sent twice: a 307 comes back as it is.
		sent := false
		req := &lhttp.Request{Method: "POST", URL: srv.url("/redirect/307"), BodyFunc: func(p []byte) (int, bool, error) {
			sent = true
			return copy(p, "streamed"), true, nil
		}}
		if r := hc.fetch(t, req); r.err != nil || r.status != 307 || !sent {
			t.Fatalf("streamed body and 307: %v, status %d", r.err, r.status)
		}
	})

	t.Run("loop", func(t *testing.T) {
		r := hc.fetch(t, &lhttp.Request{URL: srv.url("/loop")})
		if !errors.Is(r.err, lhttp.ErrTooManyRedirects) {
			t.Fatalf("loop: status %d after %d redirects, %v; want ErrTooManyRedirects", r.status, r.redirects, r.err)
		}
		lim := hcNewClient(t, env.d, lhttp.Config{MaxRedirects: 2})
		if r := lim.fetch(t, &lhttp.Request{URL: srv.url("/redirect/301/302/303")}); !errors.Is(r.err, lhttp.ErrTooManyRedirects) {
			t.Fatalf("3 redirects with MaxRedirects 2: status %d, %v", r.status, r.err)
		}
		if r := lim.fetch(t, &lhttp.Request{URL: srv.url("/redirect/301/302")}); r.err != nil || r.status != 200 || r.redirects != 2 {
			t.Fatalf("2 redirects with MaxRedirects 2: status %d, %v", r.status, r.err)
		}
		// curl agrees there is no end (CURLE_TOO_MANY_REDIRECTS).
		if code, _, errOut := hcCurlRun(t, env.ns, "-o", "/dev/null", "-L", "--max-redirs", "10", srv.url("/loop")); code != 47 {
			t.Fatalf("curl on the loop: exit %d (%s), want 47", code, errOut)
		}
	})
}
