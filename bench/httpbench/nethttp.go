package httpbench

import (
	"errors"
	"net"
	"net/http"
	"testing"
)

// startNetHTTP serves /hello with the standard library's net/http on the
// host's loopback, as configured out of the box: a goroutine per
// connection, a Date header on every response.
func startNetHTTP(tb testing.TB, n int) session {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			tb.Error(err)
		}
	})
	return dialKernelClients(tb, ln.Addr().String(), n)
}
