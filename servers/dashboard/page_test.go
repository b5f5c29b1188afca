package dashboard

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"
)

// The embedded page.html.gz is page.html as it is now: after editing the
// page, run "go generate".
func TestPageGzipCurrent(t *testing.T) {
	src, err := os.ReadFile("page.html")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(pageGz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, src) {
		t.Fatal("page.html.gz is stale: run go generate in servers/dashboard")
	}
	t.Logf("page.html: %d bytes, page.html.gz: %d bytes", len(src), len(pageGz))
}

// The page stands alone: nothing is loaded from elsewhere.
func TestPageSelfContained(t *testing.T) {
	src, err := os.ReadFile("page.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"http://", "https://", "src=", "@import", "url("} {
		if bytes.Contains(src, []byte(bad)) {
			t.Errorf("page.html contains %q", bad)
		}
	}
	// The only link is the empty icon that saves a request for /favicon.ico.
	if bytes.Count(src, []byte("<link")) != 1 || !bytes.Contains(src, []byte(`<link rel="icon" href="data:,">`)) {
		t.Error("page.html links to something")
	}
}

func TestPageServed(t *testing.T) {
	n := newTestNet(t, Config{})
	src, _ := os.ReadFile("page.html")

	resp, body := n.get("/", "Accept-Encoding: gzip, deflate, br")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, pageGz) ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || etag == "" {
		t.Fatalf("gzip: %s %v, %d bytes", resp.Status, resp.Header, len(body))
	}

	resp, body = n.get("/")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, src) {
		t.Fatalf("identity: %s %v, %d bytes", resp.Status, resp.Header, len(body))
	}

	resp, body = n.get("/", "Accept-Encoding: gzip;q=0")
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, src) {
		t.Fatalf("gzip;q=0: %v, %d bytes", resp.Header, len(body))
	}

	resp, body = n.get("/", "Accept-Encoding: gzip", "If-None-Match: "+etag)
	if resp.StatusCode != 304 || len(body) != 0 {
		t.Fatalf("If-None-Match: %s, %d bytes", resp.Status, len(body))
	}
}
