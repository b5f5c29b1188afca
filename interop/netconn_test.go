package interop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/netconn"
)

// Go's net/http server running over netconn on the userspace stack, and
// curl in the kernel's namespace as its client over TAP: a 32 MiB download
// and a 32 MiB upload, SHA-256 checked on both ends.
func TestNetconnHTTPCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("interop: skipped: curl not found (Debian package curl)")
	}
	ns, d := tcpKernelSetup(t, nil)
	const size = 32 << 20
	down := pseudoRandom(size, 1)
	up := pseudoRandom(size, 2)
	downSum, upSum := sha256.Sum256(down), sha256.Sum256(up)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /down", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(down)))
		w.Write(down)
	})
	gotUp := make(chan string, 1)
	mux.HandleFunc("POST /up", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := fmt.Sprintf("%d %x", n, h.Sum(nil))
		gotUp <- sum
		fmt.Fprint(w, sum)
	})
	l, err := netconn.New(d.s, d.r, netconn.Config{}).Listen("tcp", ":80")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	served := make(chan struct{})
	go func() { defer close(served); srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	})

	dir := t.TempDir()
	start := time.Now()
	out := filepath.Join(dir, "down")
	ns.Run(t, "curl", "-sS", "--fail", "--max-time", "120", "-o", out, "http://10.77.0.2/down")
	el := time.Since(start)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(got); len(got) != size || sum != downSum {
		t.Fatalf("curl downloaded %d of %d bytes; SHA-256 %x, want %x", len(got), size, sum, downSum)
	}
	t.Logf("32 MiB downloaded by curl in %v (%.0f MB/s)", el.Round(time.Millisecond), size/el.Seconds()/1e6)

	in := filepath.Join(dir, "up")
	if err := os.WriteFile(in, up, 0o600); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	reply := ns.Run(t, "curl", "-sS", "--fail", "--max-time", "120", "--data-binary", "@"+in,
		"-H", "Content-Type: application/octet-stream", "http://10.77.0.2/up")
	el = time.Since(start)
	want := fmt.Sprintf("%d %s", size, hex.EncodeToString(upSum[:]))
	if server := <-gotUp; server != want || strings.TrimSpace(string(reply)) != want {
		t.Fatalf("upload: server hashed %q, curl was told %q; want %q", server, reply, want)
	}
	t.Logf("32 MiB uploaded by curl in %v (%.0f MB/s)", el.Round(time.Millisecond), size/el.Seconds()/1e6)
}

// pseudoRandom returns n bytes from a seeded generator.
func pseudoRandom(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}
