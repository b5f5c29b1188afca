package http

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	nethttp "net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// parsed is everything the reader made of one response.
type parsed struct {
	err      Error
	done     bool // the response ended (by its framing, or at EOF for close-delimited)
	used     int  // bytes of the input that belong to the response
	status   int
	minor    int
	reason   string
	cl       int64
	chunked  bool
	keep     bool
	interim  int
	headers  []string
	trailers []string
	body     []byte
}

// parseAll feeds data to a reader split pieces at a time, as a stream
// would lend it, and ends it with EOF if the response is not over.
func parseAll(data []byte, split int, headReq bool, maxHead int) parsed {
	var resp Response
	resp.buf = make([]byte, maxHead)
	resp.fields = make([]field, 0, 16)
	var rd reader
	rd.reset(&resp, headReq, 16)
	var out parsed
	pos := 0
	for pos < len(data) && !rd.done() {
		p := data[pos:min(len(data), pos+split)]
		n, ev, d, err := rd.feed(p)
		if n < 0 || n > len(p) || n == 0 && !rd.done() && err == 0 {
			panic(fmt.Sprintf("feed used %d of %d", n, len(p)))
		}
		pos += n
		if err != 0 {
			out.err = err
			break
		}
		if ev == evData {
			out.body = append(out.body, d...)
		}
	}
	if out.err == 0 && !rd.done() {
		if _, err := rd.eof(); err != 0 {
			out.err = err
		}
	}
	out.done = rd.done()
	out.used = pos
	out.interim = rd.interim
	if rd.phase != phaseHead {
		out.status, out.minor, out.reason = resp.Status, resp.ProtoMinor, resp.Reason()
		out.cl, out.chunked, out.keep = resp.ContentLength, resp.Chunked, resp.keepAlive
		for i := 0; i < resp.NumHeaders(); i++ {
			n, v := resp.HeaderAt(i)
			out.headers = append(out.headers, n+": "+v)
		}
		for i := 0; i < resp.NumTrailers(); i++ {
			n, v := resp.TrailerAt(i)
			out.trailers = append(out.trailers, n+": "+v)
		}
	}
	return out
}

func (p parsed) String() string {
	if p.err != 0 {
		p.used = -1 // how far a bad response was read depends on the split
	}
	return fmt.Sprintf("err=%d done=%v used=%d status=%d/1.%d %q cl=%d chunked=%v keep=%v interim=%d h=%q t=%q body=%q",
		uint8(p.err), p.done, p.used, p.status, p.minor, p.reason, p.cl, p.chunked, p.keep, p.interim, p.headers, p.trailers, p.body)
}

var fuzzSeeds = []string{
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\n\r\n",
	"HTTP/1.0 200 OK\r\n\r\nuntil the end",
	"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
	"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n0000A\r\n0123456789\r\n0\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\nHTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\nno!",
	"HTTP/1.1 101 Switching Protocols\r\n\r\n",
	"HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	"HTTP/1.1 200 OK\r\nX:  a b \t\r\nConnection: keep-alive, close\r\n\r\n",
	"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
	"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
	"HTTP/1.1 999 Weird\r\nContent-Length: 1\r\n\r\nx",
	"SSH-2.0-OpenSSH\r\n",
}

// FuzzParseResponse feeds arbitrary bytes to the response reader in pieces
// of every size: it must never panic, must make the same of them however
// they are split, and, where both it and net/http's ReadResponse accept a
// response, must agree with net/http about status, fields, framing and
// body.
func FuzzParseResponse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(0x81))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		headReq := mode&0x80 != 0
		split := int(mode&0x7f) + 1
		whole := parseAll(data, len(data)+1, headReq, 512)
		for _, k := range []int{1, split} {
			if got := parseAll(data, k, headReq, 512); got.String() != whole.String() {
				t.Fatalf("split %d:\n%s\nwhole:\n%s", k, got, whole)
			}
		}
		if whole.err == 0 && whole.done && whole.cl >= 0 && !headReq && whole.status != 204 && whole.status != 304 &&
			int64(len(whole.body)) != whole.cl {
			t.Fatalf("body of %d bytes for Content-Length %d", len(whole.body), whole.cl)
		}
		differential(t, data, headReq, whole)
	})
}

// differential compares with net/http where both accept the response.
func differential(t *testing.T, data []byte, headReq bool, ours parsed) {
	if ours.err != 0 || !ours.done || ours.interim > 0 {
		return // we refused it (net/http may be laxer), or 1xx, which ReadResponse returns itself
	}
	method := "GET"
	if headReq {
		method = "HEAD"
	}
	req, _ := nethttp.NewRequest(method, "http://x/", nil)
	theirs, err := nethttp.ReadResponse(bufio.NewReader(bytes.NewReader(data)), req)
	if err != nil {
		return
	}
	body, berr := io.ReadAll(theirs.Body)
	if theirs.StatusCode != ours.status || theirs.ProtoMinor != ours.minor && ours.minor < 1 {
		t.Fatalf("status: net/http %d 1.%d, ours %s", theirs.StatusCode, theirs.ProtoMinor, ours)
	}
	if theirs.Close == ours.keep {
		t.Fatalf("close: net/http %v, ours %s", theirs.Close, ours)
	}
	for _, h := range ours.headers {
		name, value, _ := strings.Cut(h, ": ")
		if strings.EqualFold(name, "Transfer-Encoding") || strings.EqualFold(name, "Connection") {
			continue // net/http moves these out of Header (compared as chunked and close)
		}
		if !containsValue(theirs.Header.Values(name), value) {
			t.Fatalf("field %q: net/http has %q; ours %s", h, theirs.Header.Values(name), ours)
		}
	}
	if ours.chunked != (len(theirs.TransferEncoding) == 1 && theirs.TransferEncoding[0] == "chunked") {
		t.Fatalf("chunked: net/http %q, ours %s", theirs.TransferEncoding, ours)
	}
	if ours.cl >= 0 && !ours.chunked && theirs.ContentLength >= 0 && theirs.ContentLength != ours.cl &&
		!headReq && ours.status != 204 && ours.status != 304 {
		t.Fatalf("length: net/http %d, ours %s", theirs.ContentLength, ours)
	}
	if berr != nil {
		t.Fatalf("net/http could not read a body we read whole (%v); ours %s", berr, ours)
	}
	if !bytes.Equal(body, ours.body) {
		t.Fatalf("body: net/http %q, ours %s", body, ours)
	}
	for _, tr := range ours.trailers {
		name, value, _ := strings.Cut(tr, ": ")
		if !containsValue(theirs.Trailer.Values(name), value) {
			t.Fatalf("trailer %q: net/http has %q", tr, theirs.Trailer)
		}
	}
}

func containsValue(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// The seeds, spelled out: what each must parse to, byte at a time.
func TestParseSeeds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{fuzzSeeds[0], `err=0 done=true used=43 status=200/1.1 "OK" cl=5 chunked=false keep=true interim=0 h=["Content-Length: 5"] t=[] body="hello"`},
		{fuzzSeeds[1], `err=0 done=true used=43 status=200/1.1 "OK" cl=5 chunked=false keep=true interim=0 h=["Content-Length: 5"] t=[] body="hello"`},
		{fuzzSeeds[2], `err=0 done=true used=32 status=200/1.0 "OK" cl=-1 chunked=false keep=false interim=0 h=[] t=[] body="until the end"`},
		{fuzzSeeds[3], `err=0 done=true used=35 status=200/1.1 "" cl=0 chunked=false keep=true interim=0 h=["Content-Length: 0"] t=[] body=""`},
		{fuzzSeeds[4], `err=0 done=true used=47 status=204/1.1 "No Content" cl=10 chunked=false keep=true interim=0 h=["Content-Length: 10"] t=[] body=""`},
		{fuzzSeeds[6], `err=0 done=true used=74 status=200/1.1 "OK" cl=-1 chunked=true keep=true interim=0 h=["Transfer-Encoding: chunked"] t=["X-T: 1"] body="hello"`},
		{fuzzSeeds[8], `err=0 done=true used=65 status=200/1.1 "OK" cl=2 chunked=false keep=true interim=1 h=["Content-Length: 2"] t=[] body="ok"`},
		{fuzzSeeds[9], `err=0 done=true used=107 status=404/1.1 "Not Found" cl=3 chunked=false keep=false interim=1 h=["Connection: close" "Content-Length: 3"] t=[] body="no!"`},
		{fuzzSeeds[10], `err=` + strconv.Itoa(int(ErrUpgrade)) + ` done=false used=-1 status=0/1.0 "" cl=0 chunked=false keep=false interim=0 h=[] t=[] body=""`},
		{fuzzSeeds[14], `err=0 done=true used=61 status=200/1.1 "OK" cl=-1 chunked=false keep=false interim=0 h=["X: a b" "Connection: keep-alive, close"] t=[] body=""`},
		{fuzzSeeds[16], `err=0 done=true used=63 status=200/1.0 "OK" cl=1 chunked=false keep=true interim=0 h=["Connection: keep-alive" "Content-Length: 1"] t=[] body="x"`},
	} {
		for _, split := range []int{1, 3, 1000} {
			if got := parseAll([]byte(tc.in), split, false, 512).String(); got != tc.want {
				t.Errorf("%q split %d:\n got %s\nwant %s", tc.in, split, got, tc.want)
			}
		}
	}
}

// FuzzClient runs whole requests against a connection that answers with
// the fuzzer's bytes (every connection the same, then the end of the
// stream), lent in pieces of a fuzzed size: every request must complete,
// in bounded virtual time, without a panic, and a success must carry a
// final status.
func FuzzClient(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(7))
	}
	f.Add([]byte("HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n"), uint8(0x83))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		d := &fakeDialer{ring: 64 + int(mode&0x3f), lease: int(mode&0x0f) + 1, script: data}
		r := reactor.New(reactor.NewVirtualClock(0))
		c, err := New(nil, Config{Dialer: d, MaxRedirects: 3, MaxHeaderBytes: 512})
		if err != nil {
			t.Fatal(err)
		}
		c.Spawn(r)
		method := "GET"
		if mode&0x80 != 0 {
			method = "HEAD"
		}
		req := &Request{Method: method, URL: "http://10.0.0.1/", Into: make([]byte, 0, 256)}
		fut := c.Do(req)
		if !r.RunUntil(5*time.Minute, fut.Done) {
			t.Fatalf("no result for %q", data)
		}
		resp, err := fut.Result()
		if err == nil && (resp.Status < 200 || resp.Status > 999) {
			t.Fatalf("success with status %d", resp.Status)
		}
		c.Close()
	})
}

// FuzzParseURL: a URL the client accepts is one net/url parses to the same
// host, port, path and query.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"http://a/b?c#d", "https://[::1]:8443/", "http://10.0.0.1:80", "HTTP://x.y_z-w/%41?",
		"http://u@h/", "http://h:/p", "http://h:99999/", "http://1.2.3.4.5/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseURL(s, 4096)
		if err != 0 {
			return
		}
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i] // the fragment is dropped unread
		}
		nu, nerr := neturl.Parse(s)
		if nerr != nil {
			t.Fatalf("%q: we accept, net/url says %v", s, nerr)
		}
		port, _ := strconv.Atoi(nu.Port())
		if nu.Port() == "" {
			port = map[bool]int{false: 80, true: 443}[u.https]
		}
		if !strings.EqualFold(nu.Hostname(), u.host) || port != int(u.port) ||
			nu.EscapedPath() != u.path && nu.RawPath != u.path && nu.Path != u.path ||
			nu.RawQuery != strings.TrimPrefix(u.query, "?") {
			t.Fatalf("%q: ours host %q port %d path %q query %q; net/url %q %d %q %q", s, u.host, u.port, u.path, u.query,
				nu.Hostname(), port, nu.EscapedPath(), nu.RawQuery)
		}
	})
}
