package httpclientbench

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
)

// body is the answer to GET /hello: the small response every op fetches.
var body = []byte("Hello, World!")

// helloPath is the one resource every client asks for.
const helloPath = "/hello"

// helloServer is Go's net/http server answering GET /hello with body, the
// server of the impl=nethttp and impl=legation/server=nethttp cases. It
// counts the connections it accepts (http.StateNew), so a test can see
// that a client kept its connection alive.
type helloServer struct {
	srv      *http.Server
	newConns atomic.Int64
}

// serveHello serves /hello on ln until the test ends.
func serveHello(tb testing.TB, ln net.Listener) *helloServer {
	hs := &helloServer{}
	mux := http.NewServeMux()
	length := strconv.Itoa(len(body))
	mux.HandleFunc("GET "+helloPath, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/plain"}
		h["Content-Length"] = []string{length}
		w.Write(body)
	})
	hs.srv = &http.Server{Handler: mux, ConnState: func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			hs.newConns.Add(1)
		}
	}}
	served := make(chan error, 1)
	go func() { served <- hs.srv.Serve(ln) }()
	tb.Cleanup(func() {
		hs.srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			tb.Error(err)
		}
	})
	return hs
}

func (hs *helloServer) conns() int64 { return hs.newConns.Load() }
