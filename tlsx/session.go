package tlsx

import (
	"container/list"
	"time"
)

// Session is what a client keeps from a NewSessionTicket to resume with
// later: the ticket, the PSK it stands for and the facts the resumed
// handshake must match. It is opaque; a SessionCache only stores it.
type Session struct {
	suite    uint16
	ticket   []byte
	psk      []byte
	ageAdd   uint32
	lifetime time.Duration
	received time.Time
	// verified says the original handshake checked the server's chain; a
	// Conn that verifies does not resume a session of one that did not.
	verified  bool
	peerCerts [][]byte
}

// expired reports whether the ticket's lifetime has run out at now.
func (s *Session) expired(now time.Time) bool {
	return now.Sub(s.received) >= s.lifetime || now.Before(s.received)
}

// SessionCache stores one Session per server name for client resumption.
// A Conn calls Get when it builds its ClientHello and at once Put(key,
// nil), since a ticket is used only once (RFC 8446 appendix C.4); it calls
// Put with each new ticket the server sends. The methods run on the
// goroutine that drives the Conns (legation's reactor), so an
// implementation shared by Conns of one reactor needs no locks; Conns on
// several goroutines need a cache that locks.
type SessionCache interface {
	Get(serverName string) *Session
	// Put stores s under serverName, replacing what was there; a nil s
	// removes the entry.
	Put(serverName string, s *Session)
}

// NewSessionCache returns a SessionCache holding at most capacity server
// names (at least 1), dropping the least recently used. It does no
// locking: use it from one goroutine.
func NewSessionCache(capacity int) SessionCache {
	if capacity < 1 {
		capacity = 1
	}
	return &lruCache{cap: capacity, m: make(map[string]*list.Element, capacity), l: list.New()}
}

type lruCache struct {
	cap int
	m   map[string]*list.Element
	l   *list.List // front is most recently used
}

type lruEntry struct {
	key string
	s   *Session
}

func (c *lruCache) Get(key string) *Session {
	e, ok := c.m[key]
	if !ok {
		return nil
	}
	c.l.MoveToFront(e)
	return e.Value.(*lruEntry).s
}

func (c *lruCache) Put(key string, s *Session) {
	e, ok := c.m[key]
	if s == nil {
		if ok {
			c.l.Remove(e)
			delete(c.m, key)
		}
		return
	}
	if ok {
		e.Value.(*lruEntry).s = s
		c.l.MoveToFront(e)
		return
	}
	if c.l.Len() >= c.cap {
		old := c.l.Back()
		c.l.Remove(old)
		delete(c.m, old.Value.(*lruEntry).key)
	}
	c.m[key] = c.l.PushFront(&lruEntry{key, s})
}
