package interop

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/stack"
)

// Peers of the HTTP client interop tests, on the kernel side of the TAP
// link in the test's namespace (10.77.0.1): Go's net/http server with a
// route for each behaviour a client must handle, a raw kernel TCP listener
// that answers what no sane server sends (resets, garbage, endless heads),
// and curl as the reference client whose view of the same routes the
// legation client's must match.

const (
	// hcKernelAddr is the kernel's address on the tap, where the peers
	// listen; the device is 10.77.0.2.
	hcKernelAddr = "10.77.0.1"
	// hcBodySeed seeds the bytes of /fixed/{size} and /chunked/{size}:
	// every size is a prefix of pseudoRandom(hcMaxBody, hcBodySeed).
	hcBodySeed = 7
	hcMaxBody  = 64 << 20
	// hcHello is the body of GET /hello.
	hcHello = "hello, world\n"
)

// hcSizes are the response sizes every framing is tried with.
var hcSizes = []int{0, 1, 1 << 10, 1 << 20, 64 << 20}

var hcBodyAll = sync.OnceValue(func() []byte { return pseudoRandom(hcMaxBody, hcBodySeed) })

// hcBody is the body of /fixed/{size} and /chunked/{size}.
func hcBody(size int) []byte { return hcBodyAll()[:size] }

var hcSums = struct {
	sync.Mutex
	m map[int][32]byte
}{m: map[int][32]byte{}}

// hcBodySum is the SHA-256 of hcBody(size), computed once per size.
func hcBodySum(size int) [32]byte {
	hcSums.Lock()
	defer hcSums.Unlock()
	s, ok := hcSums.m[size]
	if !ok {
		s = sha256.Sum256(hcBody(size))
		hcSums.m[size] = s
	}
	return s
}

// hcEnv is one test's network: the namespace, the device (10.77.0.2, with
// 10.77.0.1 as its gateway and DNS server) and the two kernel-side peers.
type hcEnv struct {
	ns  *netnstest.NS
	d   *device
	srv *hcServer
	raw *hcRaw
}

// hcSetup puts a stack on a TAP device in a fresh namespace and starts the
// kernel-side peers.
func hcSetup(t *testing.T) *hcEnv {
	t.Helper()
	netnstest.Require(t)
	ns := netnstest.New(t)
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	kernel := netip.MustParseAddr(hcKernelAddr)
	d := startDevice(t, dev, stack.Config{Addr: netip.MustParsePrefix("10.77.0.2/24"), Gateway: kernel, DNS: []netip.Addr{kernel}})
	ns.ConfigureTap(t, "tap0", hcKernelAddr+"/24", 1500)
	return &hcEnv{ns: ns, d: d, srv: hcStartServer(t, ns), raw: hcStartRaw(t, ns)}
}

// hcListen opens a kernel TCP listener on 10.77.0.1 (port 0: any) inside
// ns. The socket stays in the namespace; it is served from any goroutine.
func hcListen(t *testing.T, ns *netnstest.NS, port int) *net.TCPListener {
	t.Helper()
	var ln net.Listener
	inNetns(t, ns.Name, func() {
		var err error
		ln, err = net.Listen("tcp4", net.JoinHostPort(hcKernelAddr, strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
	})
	return ln.(*net.TCPListener)
}

// hcServer is Go's net/http server on the kernel side. Its routes:
//
//	/hello                 13 bytes, fixed length
//	/echo                  any method: X-Method, X-Body-Length, X-Body-Sha256,
//	                       X-Echo-<Name> for each request field, X-Request-Host;
//	                       body "METHOD LENGTH SHA256\n" (none for HEAD)
//	/sink                  any method: hashes the body, records an hcSink,
//	                       answers "LENGTH SHA256"
//	GET /fixed/{size}      hcBody(size) with Content-Length
//	GET /chunked/{size}    hcBody(size) chunked: no Content-Length, a Flush
//	                       after each piece of a seeded 1 B..64 KiB length
//	/redirect/{codes...}   "/redirect/301/307" answers 301 to /redirect/307,
//	                       which answers 307 to /redirect/, which is /echo;
//	                       ?abs=1 makes each Location an absolute URL
//	/relative/a/start      302 to the path-relative "next" (/relative/a/next, /echo)
//	/loop                  302 to itself
//	/status/{code}         that status; a body unless 1xx, 204 or 304
//	/close                 hcHello with Connection: close
//	/hang                  reads the request, never answers
//	/hangbody              Content-Length 1000, 100 bytes, then nothing
//	/hold                  answers "ok" after 100 ms, counting requests in
//	                       progress at once (maxInflight)
//	/trailers              100000 bytes chunked, then the trailer
//	                       X-Body-Sha256 (their SHA-256)
//	/early-hints           a 103 Early Hints interim response, then hcHello
//	/reject                413 and Connection: close without reading the
//	                       request body
//	/redirect-to?to=URL    302 to URL
//
// newConns counts connections accepted (http.StateNew), so keep-alive reuse
// shows as a count that does not grow.
type hcServer struct {
	base string // "http://10.77.0.1:PORT"
	port int
	srv  *http.Server
	// release, closed at cleanup, frees handlers that hang.
	release chan struct{}

	newConns              atomic.Int64
	open, maxOpen         atomic.Int64
	inflight, maxInflight atomic.Int64
	hangs                 atomic.Int64 // requests that reached /hang or /hangbody
	// sinks receives what /sink was given, one record per request.
	sinks chan hcSink
}

// hcSink is what /sink received.
type hcSink struct {
	method  string
	n       int64
	sum     [32]byte
	chunked bool // the body came chunked (no Content-Length)
	err     error
}

func hcStartServer(t *testing.T, ns *netnstest.NS) *hcServer {
	t.Helper()
	ln := hcListen(t, ns, 0)
	s := &hcServer{port: ln.Addr().(*net.TCPAddr).Port, release: make(chan struct{}), sinks: make(chan hcSink, 64)}
	s.base = "http://" + net.JoinHostPort(hcKernelAddr, strconv.Itoa(s.port))
	s.srv = &http.Server{Handler: s.mux(), ConnState: s.connState, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(ln) }()
	t.Cleanup(func() {
		close(s.release)
		s.srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("kernel http server: %v", err)
		}
	})
	return s
}

// url is the server's URL for path.
func (s *hcServer) url(path string) string { return s.base + path }

func (s *hcServer) connState(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.newConns.Add(1)
		hcRaiseMax(&s.maxOpen, s.open.Add(1))
	case http.StateClosed, http.StateHijacked:
		s.open.Add(-1)
	}
}

// hcRaiseMax raises max to v if v is larger.
func hcRaiseMax(max *atomic.Int64, v int64) {
	for {
		m := max.Load()
		if v <= m || max.CompareAndSwap(m, v) {
			return
		}
	}
}

func (s *hcServer) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(hcHello)))
		io.WriteString(w, hcHello)
	})
	m.HandleFunc("/echo", hcEcho)
	m.HandleFunc("/sink", s.sink)
	m.HandleFunc("GET /fixed/{size}", func(w http.ResponseWriter, r *http.Request) {
		size, ok := hcSizeOf(w, r)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(hcBody(size))
	})
	m.HandleFunc("GET /chunked/{size}", func(w http.ResponseWriter, r *http.Request) {
		size, ok := hcSizeOf(w, r)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		f := w.(http.Flusher)
		// A Flush before the handler returns, with no Content-Length set,
		// makes net/http send the body chunked, even an empty one.
		f.Flush()
		body := hcBody(size)
		rng := rand.New(rand.NewPCG(uint64(size), 1))
		for len(body) > 0 {
			n := min(len(body), 1+rng.IntN(64<<10))
			if _, err := w.Write(body[:n]); err != nil {
				return
			}
			f.Flush()
			body = body[n:]
		}
	})
	m.HandleFunc("/redirect/{codes...}", s.redirect)
	m.HandleFunc("/relative/a/start", func(w http.ResponseWriter, r *http.Request) {
		hcRedirect(w, http.StatusFound, "next")
	})
	m.HandleFunc("/relative/a/next", hcEcho)
	m.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		hcRedirect(w, http.StatusFound, "/loop")
	})
	m.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.PathValue("code"))
		if err != nil || code < 200 || code > 599 {
			http.Error(w, "bad status", http.StatusBadRequest)
			return
		}
		if code == http.StatusNoContent || code == http.StatusNotModified {
			w.WriteHeader(code)
			return
		}
		body := fmt.Sprintf("status %d\n", code)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(code)
		io.WriteString(w, body)
	})
	m.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Length", strconv.Itoa(len(hcHello)))
		io.WriteString(w, hcHello)
	})
	m.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		s.hangs.Add(1)
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
	})
	m.HandleFunc("/hangbody", func(w http.ResponseWriter, r *http.Request) {
		s.hangs.Add(1)
		w.Header().Set("Content-Length", "1000")
		w.Write(hcBody(100))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
	})
	m.HandleFunc("/trailers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Body-Sha256")
		body := hcBody(100000)
		for p := body; len(p) > 0; p = p[min(len(p), 30000):] {
			w.Write(p[:min(len(p), 30000)])
			w.(http.Flusher).Flush()
		}
		sum := sha256.Sum256(body)
		w.Header().Set("X-Body-Sha256", hex.EncodeToString(sum[:]))
	})
	m.HandleFunc("/early-hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link") // net/http would send it again with the 200
		w.Header().Set("Content-Length", strconv.Itoa(len(hcHello)))
		io.WriteString(w, hcHello)
	})
	m.HandleFunc("/reject", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Length", "9")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(w, "too big!\n")
	})
	m.HandleFunc("/redirect-to", func(w http.ResponseWriter, r *http.Request) {
		hcRedirect(w, http.StatusFound, r.URL.Query().Get("to"))
	})
	m.HandleFunc("/hold", func(w http.ResponseWriter, r *http.Request) {
		hcRaiseMax(&s.maxInflight, s.inflight.Add(1))
		defer s.inflight.Add(-1)
		// A real server's think time: long enough that requests the
		// client runs at once overlap here, if its limit lets them.
		select {
		case <-time.After(100 * time.Millisecond):
		case <-s.release:
		}
		w.Header().Set("Content-Length", "3")
		io.WriteString(w, "ok\n")
	})
	return m
}

// hcSizeOf parses {size}, which must be 0..hcMaxBody.
func hcSizeOf(w http.ResponseWriter, r *http.Request) (int, bool) {
	size, err := strconv.Atoi(r.PathValue("size"))
	if err != nil || size < 0 || size > hcMaxBody {
		http.Error(w, "bad size", http.StatusBadRequest)
		return 0, false
	}
	return size, true
}

// hcEcho describes the request in the response's fields and body.
func hcEcho(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sum := hex.EncodeToString(h.Sum(nil))
	hd := w.Header()
	for name, vs := range r.Header {
		hd.Set("X-Echo-"+name, strings.Join(vs, ", "))
	}
	hd.Set("X-Method", r.Method)
	hd.Set("X-Body-Length", strconv.FormatInt(n, 10))
	hd.Set("X-Body-Sha256", sum)
	hd.Set("X-Request-Host", r.Host)
	hd.Set("X-Request-Uri", r.RequestURI)
	body := fmt.Sprintf("%s %d %s\n", r.Method, n, sum)
	hd.Set("Content-Type", "text/plain")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	io.WriteString(w, body) // net/http drops it for HEAD, keeping the length
}

func (s *hcServer) sink(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	rec := hcSink{method: r.Method, n: n, chunked: len(r.TransferEncoding) > 0, err: err}
	copy(rec.sum[:], h.Sum(nil))
	select {
	case s.sinks <- rec:
	default:
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body := fmt.Sprintf("%d %x", n, rec.sum)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	io.WriteString(w, body)
}

// sunk returns the next record of /sink, failing the test if none comes.
func (s *hcServer) sunk(t *testing.T) hcSink {
	t.Helper()
	select {
	case rec := <-s.sinks:
		return rec
	case <-time.After(10 * time.Second):
		t.Fatal("/sink recorded nothing")
		return hcSink{}
	}
}

// redirect answers /redirect/{codes...}: the first code, to the rest.
func (s *hcServer) redirect(w http.ResponseWriter, r *http.Request) {
	codes := r.PathValue("codes")
	if codes == "" {
		hcEcho(w, r)
		return
	}
	first, rest, _ := strings.Cut(codes, "/")
	code, err := strconv.Atoi(first)
	if err != nil || code < 300 || code > 399 {
		http.Error(w, "bad redirect code", http.StatusBadRequest)
		return
	}
	loc := "/redirect/" + rest
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	if r.URL.Query().Get("abs") != "" {
		loc = s.base + loc
	}
	// Drain a body a 307/308 client will send again, so the connection
	// stays reusable (net/http would drain a small one itself).
	io.Copy(io.Discard, r.Body)
	hcRedirect(w, code, loc)
}

// hcRedirect answers code with Location loc, and a short body a
// keep-alive client must skip.
func hcRedirect(w http.ResponseWriter, code int, loc string) {
	body := "see " + loc + "\n"
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	io.WriteString(w, body)
}
