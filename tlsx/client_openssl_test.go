package tlsx

import (
	"bufio"
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/testpki"
)

// sserver starts openssl s_server -www on a loopback port with the test
// PKI's P-256 server chain (files dir/c, dir/k; the CA in dir/ca) and the
// extra arguments, and returns its address. It serves naccept
// connections.
func sserver(t *testing.T, naccept int, args ...string) string {
	t.Helper()
	bin := lookTool(t, "openssl", "openssl")
	dir := t.TempDir()
	writePKIFiles(t, dir)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	a := []string{"s_server", "-accept", addr, "-cert", filepath.Join(dir, "c"), "-key", filepath.Join(dir, "k"),
		"-tls1_3", "-www", "-naccept", strconv.Itoa(naccept)}
	for i, x := range args {
		args[i] = strings.ReplaceAll(x, "$DIR", dir)
	}
	startUntil(t, exec.Command(bin, append(a, args...)...), func(line string) bool {
		return strings.Contains(line, "ACCEPT")
	})
	return addr
}

// freePort is a loopback TCP port nobody listens on now, for a server
// process to take.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startUntil starts a server process, killed at the end of the test, and
// returns once it prints a line for which ready is true (it listens).
func startUntil(t *testing.T, cmd *exec.Cmd, ready func(line string) bool) {
	t.Helper()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() && !ready(sc.Text()) {
	}
	go func() {
		for sc.Scan() {
		}
	}()
}

func writePKIFiles(t *testing.T, dir string) {
	p := getPKI(t)
	leaf := p.leaves["ecdsa-p256"]
	testpki.WriteFile(t, dir, "c", testpki.CertsPEM(leaf.Certificate...))
	testpki.WriteFile(t, dir, "k", testpki.KeyPEM(t, leaf.PrivateKey))
	testpki.WriteFile(t, dir, "ca", p.ca.PEM())
}

// fetch runs one GET / against s_server -www through a new client made
// from cfg and returns the page and the Conn.
func fetch(t *testing.T, addr string, cfg *Config) ([]byte, *Conn, []byte) {
	t.Helper()
	nc := dialT(t, addr)
	defer nc.Close() // now, not at the end of the test
	rc := &recConn{Conn: nc}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, c, rc, []byte("GET / HTTP/1.0\r\n\r\n"))
	return page, c, rc.got
}

func TestHelloRetryOpenSSL(t *testing.T) {
	addr := sserver(t, 1, "-groups", "P-256")
	p := getPKI(t)
	page, c, got := fetch(t, addr, &Config{ServerName: "server.test", RootCAs: p.roots})
	if !bytes.Contains(page, []byte("HTTP/1.0 200 ok")) || !bytes.Contains(got, helloRetryRandom[:]) {
		t.Fatalf("page %.200q, HRR seen %v", page, bytes.Contains(got, helloRetryRandom[:]))
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}

func dialT(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	return nc
}
