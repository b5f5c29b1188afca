package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/servers/httpd/websocket/wstest"
)

// runWSClientPy runs testdata/wsclient.py in ns against url (ws:// or
// wss://), with env added to its environment, and returns the cases it
// reported and how long it ran. A failing run fails the test.
func runWSClientPy(t *testing.T, ns *netnstest.NS, url string, env ...string) ([]pyCase, time.Duration) {
	t.Helper()
	script, err := filepath.Abs("testdata/wsclient.py")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns.Name, debianPython, script, url)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("wsclient.py %s: %v after %v\nstdout:\n%s\nstderr:\n%s", url, err, took, stdout.Bytes(), stderr.Bytes())
	}
	var cases []pyCase
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var c pyCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("wsclient.py printed %q: %v", sc.Bytes(), err)
		}
		cases = append(cases, c)
	}
	return cases, took
}

// checkPyEchoes checks every message wsclient.py sent, in order, as the
// server recorded it (msgs) and as the client got it back, and that all
// 2*7+4 echo cases ran. It returns the cases by name and the number of
// echoes.
func checkPyEchoes(t *testing.T, cases []pyCase, msgs <-chan wstest.ServerMessage) (map[string]pyCase, int) {
	t.Helper()
	echoes, byName := 0, map[string]pyCase{}
	for _, c := range cases {
		byName[c.Case] = c
		if c.Error != "" {
			t.Errorf("%s: %s", c.Case, c.Error)
		}
		if c.SentSHA == "" {
			continue
		}
		echoes++
		sm := recvWithin(t, msgs, "the server's record of "+c.Case)
		if sm.Text != c.Text || sm.Len != c.Sent || hex.EncodeToString(sm.Sum[:]) != c.SentSHA {
			t.Errorf("%s: server received text=%v %d bytes %x; python sent text=%v %d bytes %.8s", c.Case, sm.Text,
				sm.Len, sm.Sum[:4], c.Text, c.Sent, c.SentSHA)
		}
		if !c.SameType || c.Got != c.Sent || c.GotSHA != c.SentSHA {
			t.Errorf("%s: python got %d bytes %.8s (same type %v); sent %d bytes %.8s", c.Case, c.Got, c.GotSHA,
				c.SameType, c.Sent, c.SentSHA)
		}
	}
	if want := 2*7 + 4; echoes != want {
		t.Errorf("%d echoes reported, want %d", echoes, want)
	}
	return byName, echoes
}
