package interop

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// servers/httpd on a device stack over TAP, with Debian's curl in the
// kernel's namespace as the client: every route, HEAD, the gzip static
// resource, keep-alive, and 32 MiB each way, chunked and sized, with and
// without Expect: 100-continue.

// httpdTransferSize is the volume of each large transfer.
const httpdTransferSize = 32 << 20

// httpdSetup puts a device on a tap in a new namespace and starts the
// shared server on port 80, its connections borrowing their TCP buffers
// from a pool. HeaderTimeout is short so the refusal tests see a 408
// soon.
func httpdSetup(t *testing.T) (*netnstest.NS, *device, *httpdServer, *tcp.BufferPool) {
	t.Helper()
	requireCurl(t)
	ns, d := tcpKernelSetup(t, nil)
	pool := tcp.NewBufferPool(64<<10, 256)
	hs := startHTTPD(t, d, 80, httpd.Config{
		HeaderTimeout: 2 * time.Second,
		Listen:        stack.ListenConfig{Pool: pool},
	})
	return ns, d, hs, pool
}

func httpdURL(path string) string { return "http://" + httpdAddr + path }

func TestHTTPDCurl(t *testing.T) {
	ns, d, hs, pool := httpdSetup(t)
	start := time.Now()

	t.Run("routes", func(t *testing.T) {
		r := curlFetch(t, ns, httpdURL("/hello"))
		if r.status != 200 || string(r.body) != httpdHello || r.header.Get("Content-Type") != "text/plain" ||
			r.header.Get("Content-Length") != strconv.Itoa(len(httpdHello)) {
			t.Fatalf("GET /hello: %d %v %q", r.status, r.header, r.body)
		}
		for _, c := range []struct{ path, id string }{
			{"/api/items/42", "42"},
			{"/api/items/a%20b", "a b"},
		} {
			r := curlFetch(t, ns, httpdURL(c.path))
			var got map[string]string
			if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 ||
				r.header.Get("Content-Type") != "application/json" || got["id"] != c.id {
				t.Fatalf("GET %s: %d %v %q (%v)", c.path, r.status, r.header, r.body, err)
			}
		}
		r = curlFetch(t, ns, httpdURL("/echo"), "--data-binary", "ping, with a body")
		if r.status != 200 || string(r.body) != "ping, with a body" {
			t.Fatalf("POST /echo: %d %q", r.status, r.body)
		}
		// A chunked body for a Handler is decoded into its buffer.
		small := filepath.Join(t.TempDir(), "small")
		smallData := pseudoRandom(2000, 9)
		if err := os.WriteFile(small, smallData, 0o600); err != nil {
			t.Fatal(err)
		}
		r = curlFetch(t, ns, httpdURL("/echo"), "--data-binary", "@"+small, "-H", "Transfer-Encoding: chunked",
			"-H", "Content-Type: application/octet-stream")
		if r.status != 200 || !bytes.Equal(r.body, smallData) {
			t.Fatalf("POST /echo chunked: %d, %d bytes back of %d", r.status, len(r.body), len(smallData))
		}
		r = curlFetch(t, ns, httpdURL("/upload"), "--data-binary", "abc")
		if sum := sha256.Sum256([]byte("abc")); r.status != 200 || string(r.body) != hex.EncodeToString(sum[:]) {
			t.Fatalf("POST /upload: %d %q", r.status, r.body)
		}
		select {
		case <-hs.uploads:
		default:
			t.Fatal("the upload handler recorded nothing")
		}
		for _, c := range []struct {
			path    string
			size    int
			chunked bool
		}{
			{"/download/chunked", 100000, true},
			{"/download/sized", 100000, false},
			{"/download/chunked", 0, true},
			{"/download/sized", 0, false},
		} {
			r := curlFetch(t, ns, httpdURL(fmt.Sprintf("%s?size=%d", c.path, c.size)))
			want := pseudoRandom(c.size, httpdDownloadSeed)
			te := r.header.Get("Transfer-Encoding")
			if r.status != 200 || !bytes.Equal(r.body, want) || (te == "chunked") != c.chunked ||
				!c.chunked && r.header.Get("Content-Length") != strconv.Itoa(c.size) {
				t.Fatalf("GET %s?size=%d: %d %v, %d bytes", c.path, c.size, r.status, r.header, len(r.body))
			}
		}
		r = curlFetch(t, ns, httpdURL("/no/such/thing"))
		if r.status != 404 {
			t.Fatalf("GET /no/such/thing: %d %q", r.status, r.body)
		}
		r = curlFetch(t, ns, httpdURL("/hello"), "-X", "DELETE")
		// The server answers OPTIONS on every path itself.
		if r.status != 405 || r.header.Get("Allow") != "GET, HEAD, OPTIONS" {
			t.Fatalf("DELETE /hello: %d %v", r.status, r.header)
		}
	})

	t.Run("http10", func(t *testing.T) {
		// HTTP/1.0 has no chunks: a body streamed without a length ends
		// with the connection.
		r := curlFetch(t, ns, httpdURL("/download/chunked?size=100000"), "--http1.0")
		if want := pseudoRandom(100000, httpdDownloadSeed); r.status != 200 || !bytes.Equal(r.body, want) ||
			r.header.Get("Transfer-Encoding") != "" || r.header.Get("Connection") != "close" {
			t.Fatalf("HTTP/1.0 GET of a chunked route: %d %v, %d bytes", r.status, r.header, len(r.body))
		}
		r = curlFetch(t, ns, httpdURL("/download/sized?size=100000"), "--http1.0")
		if want := pseudoRandom(100000, httpdDownloadSeed); r.status != 200 || !bytes.Equal(r.body, want) {
			t.Fatalf("HTTP/1.0 GET of a sized route: %d %v, %d bytes", r.status, r.header, len(r.body))
		}
	})

	t.Run("head", func(t *testing.T) {
		for _, c := range []struct {
			path, field, want string
			extra             []string
		}{
			{"/hello", "Content-Length", strconv.Itoa(len(httpdHello)), nil},
			{"/api/items/7", "Content-Type", "application/json", nil},
			{"/download/sized?size=12345", "Content-Length", "12345", nil},
			{"/download/chunked?size=12345", "Transfer-Encoding", "chunked", nil},
			{"/static/page.html", "Content-Length", strconv.Itoa(len(httpdPage)), nil},
			{"/static/page.html", "Content-Encoding", "gzip", []string{"--compressed"}},
		} {
			// With -I curl writes the head where the body would go.
			r := curlFetch(t, ns, httpdURL(c.path), append([]string{"-I"}, c.extra...)...)
			if r.status != 200 || r.header.Get(c.field) != c.want || !bytes.HasPrefix(r.body, []byte("HTTP/1.1 200 OK\r\n")) ||
				!bytes.HasSuffix(r.body, []byte("\r\n\r\n")) {
				t.Fatalf("HEAD %s %v: %d %v, output %q; want %s: %s", c.path, c.extra, r.status, r.header, r.body, c.field, c.want)
			}
		}
		// No body follows a HEAD answer: the next answer on the same
		// connection parses.
		rc := dialRaw(t, ns, httpdAddr+":80")
		rc.send("HEAD /download/chunked?size=5000 HTTP/1.1\r\nHost: x\r\n\r\n" +
			"HEAD /download/sized?size=5000 HTTP/1.1\r\nHost: x\r\n\r\n" +
			"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		for _, te := range []string{"chunked", ""} {
			if resp, body := rc.response("HEAD"); resp.StatusCode != 200 || len(body) != 0 || strings.Join(resp.TransferEncoding, ",") != te {
				t.Fatalf("HEAD: %d %v %v, %d body bytes", resp.StatusCode, resp.TransferEncoding, resp.Header, len(body))
			}
		}
		if resp, body := rc.response("GET"); resp.StatusCode != 200 || string(body) != httpdHello {
			t.Fatalf("GET after two HEADs: %d %q", resp.StatusCode, body)
		}
	})

	t.Run("static", func(t *testing.T) {
		gz := gzipped(t, httpdPage)
		plain := curlFetch(t, ns, httpdURL("/static/page.html"))
		if plain.status != 200 || !bytes.Equal(plain.body, httpdPage) || plain.header.Get("Content-Encoding") != "" {
			t.Fatalf("without --compressed: %d %v, %d bytes of %d", plain.status, plain.header, len(plain.body), len(httpdPage))
		}
		comp := curlFetch(t, ns, httpdURL("/static/page.html"), "--compressed")
		if comp.status != 200 || !bytes.Equal(comp.body, httpdPage) || comp.header.Get("Content-Encoding") != "gzip" ||
			comp.header.Get("Content-Length") != strconv.Itoa(len(gz)) {
			t.Fatalf("--compressed: %d %v, %d bytes of %d", comp.status, comp.header, len(comp.body), len(httpdPage))
		}
		// Asked for gzip without decoding: the very bytes NewStatic got.
		raw := curlFetch(t, ns, httpdURL("/static/page.html"), "-H", "Accept-Encoding: gzip")
		if raw.status != 200 || !bytes.Equal(raw.body, gz) {
			t.Fatalf("gzip as sent: %d %v, %d bytes of %d", raw.status, raw.header, len(raw.body), len(gz))
		}
		// Each representation has its own strong validator (RFC 9110
		// 8.8.3), and each answers If-None-Match for itself only.
		plainTag, gzTag := plain.header.Get("ETag"), comp.header.Get("ETag")
		if plainTag == "" || gzTag == "" || plainTag == gzTag || raw.header.Get("ETag") != gzTag {
			t.Fatalf("ETags: %q plain, %q gzip, %q gzip as sent", plainTag, gzTag, raw.header.Get("ETag"))
		}
		for _, c := range []struct {
			tag    string
			extra  []string
			status int
		}{
			{gzTag, []string{"--compressed"}, 304},
			{plainTag, nil, 304},
			{gzTag, nil, 200}, // the client takes no gzip: its copy is not that one
		} {
			r := curlFetch(t, ns, httpdURL("/static/page.html"), append([]string{"-H", "If-None-Match: " + c.tag}, c.extra...)...)
			if r.status != c.status || c.status == 304 && len(r.body) != 0 || c.status == 200 && !bytes.Equal(r.body, httpdPage) {
				t.Fatalf("If-None-Match %s %v: %d, %d bytes; want %d", c.tag, c.extra, r.status, len(r.body), c.status)
			}
		}
		t.Logf("static: %d bytes of text served as %d bytes of gzip (%.1f%%)", len(httpdPage), len(gz), 100*float64(len(gz))/float64(len(httpdPage)))
	})

	t.Run("keepalive", func(t *testing.T) {
		paths := []string{"/hello", "/api/items/1", "/download/chunked?size=70000", "/download/sized?size=70000", "/static/page.html", "/hello"}
		args := []string{"-sS", "--max-time", "60", "--compressed", "-w", "%{num_connects} %{http_code}\n"}
		for _, p := range paths {
			args = append(args, "-o", "/dev/null", httpdURL(p))
		}
		before := hs.stats()
		out, _, _ := runCurl(t, ns, args...)
		after := hs.stats()
		lines := strings.Fields(strings.ReplaceAll(string(out), "\n", " "))
		if len(lines) != 2*len(paths) {
			t.Fatalf("curl -w printed %q for %d URLs", out, len(paths))
		}
		connects := 0
		for i := 0; i < len(lines); i += 2 {
			n, _ := strconv.Atoi(lines[i])
			connects += n
			if lines[i+1] != "200" {
				t.Fatalf("transfer %d (%s): status %s", i/2, paths[i/2], lines[i+1])
			}
		}
		if connects != 1 || after.Accepted-before.Accepted != 1 || after.Requests-before.Requests != uint64(len(paths)) {
			t.Fatalf("%d URLs: curl connected %d times, server accepted %d connections for %d requests; want 1 connection",
				len(paths), connects, after.Accepted-before.Accepted, after.Requests-before.Requests)
		}
	})

	t.Run("transfer", func(t *testing.T) {
		httpdTransfers(t, ns, hs)
	})

	st := hs.stats()
	ps := poolStats(d, pool)
	t.Logf("TestHTTPDCurl: %v; server %+v; pool %+v", time.Since(start).Round(time.Millisecond), st, ps)
	if st.Active != 0 {
		t.Errorf("request buffers still lent after the last answer: %+v", st)
	}
}

// httpdTransfers moves 32 MiB each way: downloads chunked and sized,
// uploads chunked and sized, each with curl's default Expect: 100-continue
// and with it turned off.
func httpdTransfers(t *testing.T, ns *netnstest.NS, hs *httpdServer) {
	const size = httpdTransferSize
	mb := func(d time.Duration) float64 { return size / d.Seconds() / 1e6 }

	down := pseudoRandom(size, httpdDownloadSeed)
	downSum := sha256.Sum256(down)
	for _, kind := range []string{"chunked", "sized"} {
		t.Run("download-"+kind, func(t *testing.T) {
			r := curlFetch(t, ns, httpdURL(fmt.Sprintf("/download/%s?size=%d", kind, size)))
			sum := sha256.Sum256(r.body)
			if r.status != 200 || len(r.body) != size || sum != downSum {
				t.Fatalf("%d, %d bytes of %d, SHA-256 %x want %x", r.status, len(r.body), size, sum, downSum)
			}
			if te := r.header.Get("Transfer-Encoding"); (te == "chunked") != (kind == "chunked") {
				t.Fatalf("Transfer-Encoding %q", te)
			}
			t.Logf("32 MiB %s download: %v (%.0f MB/s)", kind, r.took.Round(time.Millisecond), mb(r.took))
		})
	}

	up := pseudoRandom(size, 4)
	upSum := sha256.Sum256(up)
	upHex := hex.EncodeToString(upSum[:])
	file := filepath.Join(t.TempDir(), "up")
	if err := os.WriteFile(file, up, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		chunked bool
		expect  bool
	}{
		{"chunked-expect", true, true},
		{"chunked-no-expect", true, false},
		{"sized-expect", false, true},
		{"sized-no-expect", false, false},
	} {
		t.Run("upload-"+c.name, func(t *testing.T) {
			// A server that never sent 100 Continue would hold curl
			// for the whole expect timeout: make that long enough to
			// show.
			args := []string{"-v", "--expect100-timeout", "30", "-H", "Content-Type: application/octet-stream"}
			if c.chunked {
				args = append(args, "-X", "POST", "-T", file, "-H", "Transfer-Encoding: chunked")
			} else {
				args = append(args, "--data-binary", "@"+file)
			}
			if !c.expect {
				args = append(args, "-H", "Expect:") // curl's way to send none
			}
			r := curlFetch(t, ns, httpdURL("/upload"), args...)
			if r.status != 200 || string(r.body) != upHex {
				t.Fatalf("%d, server answered %q; want SHA-256 %s", r.status, r.body, upHex)
			}
			var rec uploadRecord
			select {
			case rec = <-hs.uploads:
			default:
				t.Fatal("the upload handler recorded nothing")
			}
			if rec.n != size || rec.sum != upHex || rec.chunked != c.chunked {
				t.Fatalf("server saw %+v; want %d bytes, chunked %v", rec, size, c.chunked)
			}
			got100 := strings.Contains(r.stderr, "< HTTP/1.1 100 Continue")
			if (rec.expect == "100-continue") != c.expect || got100 != c.expect || (r.heads == 2) != c.expect {
				t.Fatalf("Expect %q sent, 100 Continue received %v, %d response heads; want expect %v", rec.expect, got100, r.heads, c.expect)
			}
			if r.took > 25*time.Second {
				t.Fatalf("upload took %v: curl waited out its expect timeout?", r.took)
			}
			t.Logf("32 MiB %s upload: %v (%.0f MB/s)", c.name, r.took.Round(time.Millisecond), mb(r.took))
		})
	}
	// A body too large for its route is refused with 413: before curl
	// sends it when curl waits for 100 Continue, and while it sends when
	// it does not (curl then stops sending and reports the answer).
	for _, expect := range []bool{true, false} {
		name := "refused-expect"
		args := []string{"-v", "--expect100-timeout", "30", "--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"}
		if !expect {
			name = "refused-no-expect"
			args = append(args, "-H", "Expect:")
		}
		t.Run("upload-"+name, func(t *testing.T) {
			r := curlFetch(t, ns, httpdURL("/echo"), args...)
			if r.status != 413 || r.header.Get("Connection") != "close" {
				t.Fatalf("%d %v %q", r.status, r.header, r.body)
			}
			if got100 := strings.Contains(r.stderr, "< HTTP/1.1 100 Continue"); got100 {
				t.Fatal("100 Continue sent for a body refused by its length")
			}
			t.Logf("32 MiB body refused with 413 after %v", r.took.Round(time.Millisecond))
		})
	}
}
