package interop

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The HTTP client's net/http peer checked with curl, before the client is
// compared against it: every route answers as documented (framing, lengths,
// SHA-256, redirects, connection counts, hangs). What curl sees here is the
// reference the legation client's results are held to in the other
// httpclient tests; curl's verdicts on the raw peer's misbehaviours are
// checked beside the client's in TestHTTPClientFailures. The 64 MiB bodies
// are left to TestHTTPClientTransfers, which fetches them with both.
func TestHTTPClientPeers(t *testing.T) {
	requireCurl(t)
	env := hcSetup(t)
	ns, srv := env.ns, env.srv
	start := time.Now()

	t.Run("framing", func(t *testing.T) {
		for _, size := range hcSizes[:len(hcSizes)-1] {
			for _, framing := range []string{"fixed", "chunked"} {
				v := hcCurl(t, ns, srv.url(fmt.Sprintf("/%s/%d", framing, size)))
				if v.status != 200 || v.n != size || v.sum != hcBodySum(size) {
					t.Fatalf("%s %d: curl got status %d, %d bytes, SHA-256 match %v", framing, size, v.status, v.n, v.sum == hcBodySum(size))
				}
				cl, te := v.header.Get("Content-Length"), v.header.Get("Transfer-Encoding")
				if framing == "fixed" && (cl != strconv.Itoa(size) || te != "") || framing == "chunked" && (cl != "" || te != "chunked") {
					t.Fatalf("%s %d: Content-Length %q, Transfer-Encoding %q", framing, size, cl, te)
				}
			}
		}
	})

	t.Run("methods", func(t *testing.T) {
		body := pseudoRandom(3000, 11)
		sum := sha256.Sum256(body)
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			args := []string{"-X", m, "-H", "X-Test: value " + m}
			wantLen, wantSum := "0", sha256.Sum256(nil)
			switch m {
			case "HEAD":
				args = []string{"-I", "-H", "X-Test: value " + m}
			case "GET":
			default:
				args = append(args, "--data-binary", hcCurlUpload(t, body), "-H", "Content-Type: application/octet-stream")
				wantLen, wantSum = "3000", sum
			}
			v := hcCurl(t, ns, srv.url("/echo"), args...)
			h := v.header
			if v.status != 200 || h.Get("X-Method") != m || h.Get("X-Body-Length") != wantLen ||
				h.Get("X-Body-Sha256") != hex.EncodeToString(wantSum[:]) || h.Get("X-Echo-X-Test") != "value "+m {
				t.Fatalf("%s: status %d, fields %v", m, v.status, h)
			}
			// (curl -I writes the head where the body would go.)
			if m == "HEAD" && h.Get("Content-Length") != strconv.Itoa(len("HEAD 0 \n")+64) {
				t.Fatalf("HEAD: Content-Length %q", h.Get("Content-Length"))
			}
		}
	})

	t.Run("upload", func(t *testing.T) {
		body := pseudoRandom(1<<20, 12)
		sum := sha256.Sum256(body)
		v := hcCurl(t, ns, srv.url("/sink"), "--data-binary", hcCurlUpload(t, body))
		rec := srv.sunk(t)
		if v.status != 200 || rec.method != "POST" || rec.n != 1<<20 || rec.sum != sum || rec.chunked {
			t.Fatalf("status %d; the sink saw %s of %d bytes, SHA-256 match %v, chunked %v", v.status, rec.method, rec.n, rec.sum == sum, rec.chunked)
		}
		v = hcCurl(t, ns, srv.url("/sink"), "-X", "PUT", "-H", "Transfer-Encoding: chunked", "--data-binary", hcCurlUpload(t, body))
		rec = srv.sunk(t)
		if v.status != 200 || rec.method != "PUT" || rec.n != 1<<20 || rec.sum != sum || !rec.chunked {
			t.Fatalf("chunked: status %d; the sink saw %s of %d bytes, SHA-256 match %v, chunked %v", v.status, rec.method, rec.n, rec.sum == sum, rec.chunked)
		}
	})

	t.Run("keepalive", func(t *testing.T) {
		// One curl, five URLs: curl reuses its connection, and the
		// server's count of new connections must show it.
		before := srv.newConns.Load()
		u := srv.url("/hello")
		code, out, errOut := hcCurlRun(t, ns, u, u, u, u, u)
		if code != 0 || out != strings.Repeat(hcHello, 5) {
			t.Fatalf("curl exit %d, stdout %q, stderr %s", code, out, errOut)
		}
		if n := srv.newConns.Load() - before; n != 1 {
			t.Fatalf("5 requests by one curl made %d connections, want 1", n)
		}
		code, out, errOut = hcCurlRun(t, ns, srv.url("/close"), u)
		if code != 0 || out != hcHello+hcHello {
			t.Fatalf("curl exit %d, stdout %q, stderr %s", code, out, errOut)
		}
		if n := srv.newConns.Load() - before; n != 3 {
			t.Fatalf("after Connection: close, %d connections in all, want 3", n)
		}
	})

	t.Run("redirects", func(t *testing.T) {
		for _, q := range []string{"", "?abs=1"} {
			v := hcCurl(t, ns, srv.url("/redirect/301/302/303/307/308"+q), "-L")
			if v.status != 200 || v.heads != 6 || v.header.Get("X-Method") != "GET" || v.header.Get("X-Request-Uri") != "/redirect/"+q {
				t.Fatalf("chain%s: status %d after %d responses, landed %s %s", q, v.status, v.heads, v.header.Get("X-Method"), v.header.Get("X-Request-Uri"))
			}
		}
		// 307 and 308 keep the method and the body.
		body := pseudoRandom(5000, 13)
		sum := sha256.Sum256(body)
		v := hcCurl(t, ns, srv.url("/redirect/307/308"), "-L", "--data-binary", hcCurlUpload(t, body))
		if v.status != 200 || v.header.Get("X-Method") != "POST" || v.header.Get("X-Body-Sha256") != hex.EncodeToString(sum[:]) {
			t.Fatalf("307/308: status %d, landed %s with body %s", v.status, v.header.Get("X-Method"), v.header.Get("X-Body-Length"))
		}
		// 303 makes it a GET without a body.
		v = hcCurl(t, ns, srv.url("/redirect/303"), "-L", "--data-binary", hcCurlUpload(t, body))
		if v.status != 200 || v.header.Get("X-Method") != "GET" || v.header.Get("X-Body-Length") != "0" {
			t.Fatalf("303: status %d, landed %s with body %s", v.status, v.header.Get("X-Method"), v.header.Get("X-Body-Length"))
		}
		v = hcCurl(t, ns, srv.url("/relative/a/start"), "-L")
		if v.status != 200 || v.header.Get("X-Request-Uri") != "/relative/a/next" {
			t.Fatalf("relative: status %d, landed at %q", v.status, v.header.Get("X-Request-Uri"))
		}
		v = hcCurl(t, ns, srv.url("/redirect/302"))
		if v.status != 302 || v.header.Get("Location") != "/redirect/" {
			t.Fatalf("not followed: status %d, Location %q", v.status, v.header.Get("Location"))
		}
		// curl gives up on a loop with CURLE_TOO_MANY_REDIRECTS (47).
		if code, _, errOut := hcCurlRun(t, ns, "-o", "/dev/null", "-L", "--max-redirs", "10", srv.url("/loop")); code != 47 {
			t.Fatalf("loop: curl exit %d (%s), want 47", code, errOut)
		}
	})

	t.Run("status", func(t *testing.T) {
		for _, code := range []int{204, 304, 404, 500} {
			v := hcCurl(t, ns, srv.url(fmt.Sprintf("/status/%d", code)))
			if want := len(fmt.Sprintf("status %d\n", code)); v.status != code || (code == 204 || code == 304) != (v.n == 0) || v.n != 0 && v.n != want {
				t.Fatalf("status %d: got %d with %d bytes", code, v.status, v.n)
			}
		}
	})

	t.Run("hang", func(t *testing.T) {
		// CURLE_OPERATION_TIMEDOUT (28) for a server that never answers.
		before := srv.hangs.Load()
		for _, p := range []string{"/hang", "/hangbody"} {
			if code, _, errOut := hcCurlRun(t, ns, "-o", "/dev/null", "--max-time", "0.5", srv.url(p)); code != 28 {
				t.Fatalf("%s: curl exit %d (%s), want 28", p, code, errOut)
			}
		}
		if n := srv.hangs.Load() - before; n != 2 {
			t.Fatalf("the hanging routes saw %d requests, want 2", n)
		}
	})

	t.Logf("peers checked with curl in %v", time.Since(start).Round(time.Millisecond))
}
