package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// A headless Chromium driven over the DevTools protocol through a pipe
// (--remote-debugging-pipe: commands in on fd 3, answers and events out on
// fd 4, each a JSON message ended by a NUL byte). It lets a test wait for
// what a page does, instead of guessing how long that takes.

// chromiumFlags are the flags every headless run here uses: no sandbox (CI
// runs as root), no GPU, and nothing that would reach the network by
// itself.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--no-first-run", "--no-default-browser-check", "--mute-audio",
}

// requireChromium returns the browser's path or skips the test, saying why.
func requireChromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("interop: skipped: chromium not found (Debian packages chromium fonts-dejavu-core)")
	}
	return path
}

type cdpReply struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type cdpBrowser struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     *os.File // the browser's fd 3
	stderr bytes.Buffer
	exited chan struct{}

	mu      sync.Mutex
	nextID  int
	pending map[int]chan cdpReply
}

// startCDP starts chromium with the DevTools pipe; the browser is closed
// when the test ends.
func startCDP(t *testing.T, chromium string) *cdpBrowser {
	t.Helper()
	toBrowser, in, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{}, chromiumFlags...)
	args = append(args, "--remote-debugging-pipe", "--user-data-dir="+t.TempDir(), "about:blank")
	b := &cdpBrowser{t: t, cmd: exec.Command(chromium, args...), in: in, exited: make(chan struct{}), pending: map[int]chan cdpReply{}}
	b.cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser}
	b.cmd.Stderr = &syncWriter{w: &b.stderr, mu: &b.mu}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	go b.read(out)
	go func() { b.cmd.Wait(); close(b.exited) }()
	t.Cleanup(b.close)
	return b
}

type syncWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// read hands each answer to the call waiting for it; events are dropped.
func (b *cdpBrowser) read(out *os.File) {
	defer out.Close()
	r := bufio.NewReader(out)
	for {
		msg, err := r.ReadBytes(0)
		if err != nil {
			return
		}
		var rep cdpReply
		if json.Unmarshal(msg[:len(msg)-1], &rep) != nil || rep.ID == 0 {
			continue
		}
		b.mu.Lock()
		ch := b.pending[rep.ID]
		delete(b.pending, rep.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- rep
		}
	}
}

// call sends a command (to a page's session if session is set) and decodes
// its result into result, waiting no longer than ctx allows.
func (b *cdpBrowser) call(ctx context.Context, session, method string, params, result any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpReply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := b.in.Write(append(data, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case rep := <-ch:
		if rep.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, rep.Error.Message, rep.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(rep.Result, result)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	case <-b.exited:
		return fmt.Errorf("%s: chromium exited", method)
	}
}

// openPage opens a new tab of width x height and returns its session.
func (b *cdpBrowser) openPage(ctx context.Context, width, height int) (string, error) {
	var target struct{ TargetID string }
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return "", err
	}
	var att struct{ SessionID string }
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		return "", err
	}
	err := b.call(ctx, att.SessionID, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	return att.SessionID, err
}

// eval evaluates a JavaScript expression in the page, awaiting it if it is
// a promise, and decodes its value into v.
func (b *cdpBrowser) eval(ctx context.Context, session, expr string, v any) error {
	var res struct {
		Result struct {
			Value json.RawMessage
		}
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	err := b.call(ctx, session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true,
	}, &res)
	if err != nil {
		return err
	}
	if e := res.ExceptionDetails; e != nil {
		return fmt.Errorf("javascript: %s %s", e.Text, e.Exception.Description)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(res.Result.Value, v)
}

// screenshot returns a PNG of the page's viewport.
func (b *cdpBrowser) screenshot(ctx context.Context, session string) ([]byte, error) {
	var shot struct{ Data []byte } // base64 in JSON, decoded by encoding/json
	err := b.call(ctx, session, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	return shot.Data, err
}

// close asks the browser to quit and waits for it, killing it if it does
// not go.
func (b *cdpBrowser) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.call(ctx, "", "Browser.close", map[string]any{}, nil)
	b.in.Close()
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		<-b.exited
	}
}

// stderrTail returns the end of what the browser wrote to stderr, for a
// failure message.
func (b *cdpBrowser) stderrTail() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stderr.Bytes()
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return string(s)
}
