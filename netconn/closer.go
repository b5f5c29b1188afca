package netconn

import (
	"sync"
	"sync/atomic"

	"github.com/seed947b3480/legation/reactor"
)

// closer is the closing state every socket of this package shares.
type closer struct {
	closing chan struct{} // closed by Close: blocked calls give up
	closed  atomic.Bool
	once    sync.Once
}

func newCloser() closer { return closer{closing: make(chan struct{})} }

// shut closes the socket the first time it is called: blocked calls give
// up, and onReactor runs on the reactor; with wait, shut returns once it
// has. It reports whether this call closed the socket.
func (s *closer) shut(r *reactor.Reactor, onReactor func(), wait bool) bool {
	first := false
	s.once.Do(func() {
		first = true
		s.closed.Store(true)
		close(s.closing)
		if !wait {
			r.Post(onReactor)
			return
		}
		done := make(chan struct{})
		r.Post(func() { onReactor(); close(done) })
		<-done
	})
	return first
}
