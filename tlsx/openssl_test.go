package tlsx

import (
	"bufio"
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInteropOpenSSL runs openssl s_server -www pinned to one suite and
// group and fetches its status page through the engine, verification on.
func TestInteropOpenSSL(t *testing.T) {
	bin := lookTool(t, "openssl", "openssl")
	p := getPKI(t)
	dir := t.TempDir()
	writePKIFiles(t, dir)
	for _, tc := range []struct {
		suite uint16
		name  string
		group Group
		gname string
	}{
		{TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", X25519, "X25519"},
		{TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", P256, "P-256"},
		{TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", X25519, "X25519"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			cmd := exec.Command(bin, "s_server", "-accept", addr, "-cert", filepath.Join(dir, "c"),
				"-key", filepath.Join(dir, "k"), "-tls1_3", "-ciphersuites", tc.name, "-groups", tc.gname, "-www", "-naccept", "1")
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			defer cmd.Wait()
			// s_server prints ACCEPT once it listens.
			sc := bufio.NewScanner(out)
			for sc.Scan() && !strings.Contains(sc.Text(), "ACCEPT") {
			}
			go func() {
				for sc.Scan() {
				}
			}()
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(20 * time.Second))
			c, err := NewClient(&Config{ServerName: "server.test", RootCAs: p.roots,
				CipherSuites: []uint16{tc.suite}, Groups: []Group{tc.group}})
			if err != nil {
				t.Fatal(err)
			}
			page := readAll(t, c, nc, []byte("GET / HTTP/1.0\r\n\r\n"))
			if !bytes.Contains(page, []byte("HTTP/1.0 200 ok")) || !bytes.Contains(page, []byte(tc.name)) {
				t.Fatalf("page: %.300q", page)
			}
		})
	}
}

// readAll sends req after the handshake and collects plaintext until the
// server closes (s_server -www sends close_notify, or just FIN).
func readAll(t *testing.T, c *Conn, nc net.Conn, req []byte) []byte {
	var page []byte
	buf := make([]byte, 32<<10)
	sent := false
	for {
		if c.HandshakeComplete() && !sent {
			if _, err := c.Write(req); err != nil {
				t.Fatal(err)
			}
			sent = true
		}
		if c.Pending() > 0 {
			nc.Write(c.OutputLease())
			c.ConsumeOutput(c.Pending())
		}
		for {
			p, err := c.ReadLease()
			if err != nil {
				break
			}
			page = append(page, p...)
			c.Consume(len(p))
		}
		if c.Err() != nil {
			t.Fatalf("engine: %v", c.Err())
		}
		if _, err := c.ReadLease(); err != nil && !isWouldBlock(err) {
			return page
		}
		n, err := nc.Read(buf)
		if n > 0 {
			if _, ierr := c.Input(buf[:n]); ierr != nil {
				t.Fatalf("Input: %v", ierr)
			}
			continue
		}
		if err != nil {
			return page
		}
	}
}

func isWouldBlock(err error) bool { e, ok := err.(*Error); return ok && e.Kind == KindWouldBlock }
