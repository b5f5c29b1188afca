package netconn

import (
	"net"
	"net/netip"
	"os"

	"github.com/seed947b3480/legation/reactor"
)

// op is one blocking call handed to the reactor. The calling goroutine
// fills in the request, posts the socket's start function and waits on
// done; the reactor completes the op exactly once: from start, from a socket
// callback once data, room or an error arrives, or from the cancel the
// caller posts when its deadline passes or the socket is closed. Until then
// the reactor may copy into or out of buf, so the caller waits for done
// even after a cancel, and may reuse buf as soon as run returns.
//
// The fields are handed over without locks: the caller writes them before
// Post (whose mutex orders them before the reactor's reads) and reads them
// after done (whose send orders the reactor's writes before).
type op struct {
	buf  []byte
	n    int
	err  error
	addr netip.AddrPort // UDP: where a send goes, where a receive came from
	why  error          // the reason for a cancel, set by the caller

	pending bool // reactor only: the reactor holds the request
	done    chan struct{}
}

func (o *op) init() { o.done = make(chan struct{}, 1) }

// finish completes the op with the result already in n and err. Reactor
// goroutine only.
func (o *op) finish() {
	o.pending = false
	select {
	case o.done <- struct{}{}:
	default: // cannot happen: one completion per request
	}
}

// fail completes the op with err.
func (o *op) fail(err error) {
	o.err = err
	o.finish()
}

// cancel withdraws a pending request with the caller's reason; a request
// already completed is left as it is. Reactor goroutine only.
func (o *op) cancel() {
	if o.pending {
		o.fail(o.why)
	}
}

// run posts start and waits for the reactor to complete the op. If the
// deadline passes or closing is closed first, it posts cancel and waits for
// the completion that follows (which may still be a success that won the
// race).
func (o *op) run(r *reactor.Reactor, start, cancel func(), dl *deadline, closing <-chan struct{}) {
	o.n, o.err = 0, nil
	r.Post(start)
	select {
	case <-o.done:
		return
	case <-dl.done():
		o.why = os.ErrDeadlineExceeded
	case <-closing:
		o.why = net.ErrClosed
	}
	r.Post(cancel)
	<-o.done
}
