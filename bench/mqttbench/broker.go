package mqttbench

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

const (
	// topic and payloadSize are what every op publishes.
	topic       = "bench/publish"
	payloadSize = 64
	// window bounds the publishes a client keeps unfinished.
	window = 16
)

// payload is the bytes of every message, fixed so runs repeat.
var payload = func() []byte {
	p := make([]byte, payloadSize)
	for i := range p {
		p[i] = byte('a' + i%26)
	}
	return p
}()

// broker is an in-process mochi broker that lets everyone in and counts
// the messages it has processed.
type broker struct {
	srv *mochi.Server
	// published counts the messages processed (OnPublished); wrong counts
	// those with another topic or payload.
	published, wrong atomic.Int64
	// signal has a token put in it (if it has room) after every processed
	// message, for waitPublished.
	signal chan struct{}
	// notify, if set, is called after every processed message, on a
	// broker goroutine.
	notify    func()
	closeOnce sync.Once
}

// countHook is the mochi hook that does the counting.
type countHook struct {
	mochi.HookBase
	b *broker
}

func (h *countHook) ID() string { return "count" }

func (h *countHook) Provides(b byte) bool { return b == mochi.OnPublished }

func (h *countHook) OnPublished(_ *mochi.Client, pk packets.Packet) {
	if pk.TopicName != topic || !bytes.Equal(pk.Payload, payload) {
		h.b.wrong.Add(1)
	}
	h.b.published.Add(1)
	select {
	case h.b.signal <- struct{}{}:
	default:
	}
	if h.b.notify != nil {
		h.b.notify()
	}
}

// newBroker starts a broker with no listeners yet; it is closed when the
// test ends.
func newBroker(tb testing.TB) *broker {
	tb.Helper()
	b := &broker{signal: make(chan struct{}, 1), srv: mochi.New(&mochi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})}
	if err := b.srv.AddHook(new(auth.AllowHook), nil); err != nil {
		tb.Fatal(err)
	}
	if err := b.srv.AddHook(&countHook{b: b}, nil); err != nil {
		tb.Fatal(err)
	}
	if err := b.srv.Serve(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.close)
	return b
}

// close stops the broker and its listeners; a second call does nothing.
// Closing a netconn listener needs its reactor turning.
func (b *broker) close() {
	b.closeOnce.Do(func() { b.srv.Close() })
}

// waitPublished waits until the broker has processed at least n messages,
// or fails after timeout. It is for goroutines other than a reactor's.
func (b *broker) waitPublished(n int64, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for b.published.Load() < n {
		select {
		case <-b.signal:
		case <-deadline.C:
			return fmt.Errorf("the broker processed %d messages within %v, want %d", b.published.Load(), timeout, n)
		}
	}
	return nil
}

// listenTCP adds a kernel TCP listener on a free port of 127.0.0.1 and
// returns its address.
func (b *broker) listenTCP(tb testing.TB) string {
	tb.Helper()
	l := listeners.NewTCP(listeners.Config{ID: "tcp", Address: "127.0.0.1:0"})
	if err := b.srv.AddListener(l); err != nil {
		tb.Fatal(err)
	}
	// AddListener ran Init, which opened the socket; Serve starts it.
	b.srv.Listeners.Serve(l.ID(), b.srv.EstablishConnection)
	return l.Address()
}

// serve adds ln (legation's netconn listener) to the broker.
func (b *broker) serve(tb testing.TB, id string, ln net.Listener) {
	tb.Helper()
	l := listeners.NewNet(id, ln)
	if err := b.srv.AddListener(l); err != nil {
		tb.Fatal(err)
	}
	b.srv.Listeners.Serve(l.ID(), b.srv.EstablishConnection)
}
