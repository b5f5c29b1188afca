package httpd

import (
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/stream"
)

// Adopter takes over a connection after an HTTP upgrade: c is the stream
// the request came on (the TCP connection, or the TLS session over it),
// and leftover holds the bytes that followed the request head (the first
// frames, perhaps), valid only during the call.
type Adopter func(now reactor.Instant, c stream.Conn, leftover []byte)

// HandleUpgrade serves RFC 6455 WebSocket handshakes on pattern: a valid
// opening handshake is answered 101 and the connection handed to adopt.
// Server.WebSocket registers a websocket.Group this way.
func (s *Server) HandleUpgrade(pattern string, adopt Adopter) { s.handleUpgrade(pattern, adopt) }

func (s *Server) handleUpgrade(pattern string, adopt Adopter) *route {
	rt := newRoute("GET", pattern)
	rt.adopt = adopt
	s.rt.add(rt)
	return rt
}

// upgrade checks an opening handshake (RFC 6455 4.2.1) and answers it.
func (c *conn) upgrade(rt *route) bool {
	ex := c.ex
	req := &ex.req
	w := &ex.resp
	if req.chunked || req.contentLength > 0 {
		c.refuse(400)
		return false
	}
	if !req.upgrade {
		w.Header("Upgrade", "websocket")
		w.Header("Connection", "Upgrade")
		w.Error(426)
		return false
	}
	if v, _ := req.Header("Sec-WebSocket-Version"); v != "13" {
		w.Header("Sec-WebSocket-Version", "13")
		w.Error(426)
		return false
	}
	if rt.full != nil && rt.full() {
		c.srv.stats.Refused++
		w.Error(503)
		return false
	}
	key, _ := req.Header("Sec-WebSocket-Key")
	if !websocket.ValidKey([]byte(key)) {
		c.srv.stats.Refused++
		w.Error(400)
		return false
	}
	accept := websocket.AcceptKey([]byte(key))
	w.Header("Upgrade", "websocket")
	w.Header("Connection", "Upgrade")
	w.Header("Sec-WebSocket-Accept", string(accept[:]))
	w.adopt = rt.adopt
	w.Send(101, "", nil)
	return false
}

// handOver gives the upgraded connection to its new owner.
func (c *conn) handOver() {
	ex := c.ex
	adopt := ex.resp.adopt
	c.srv.stats.Upgraded++
	sc := c.sc
	leftover := ex.buf[ex.rd:ex.n]
	// The record goes back to the free list; the stream now belongs to
	// adopt, which sets callbacks of its own: the record's are cleared
	// first, so that none left unset calls into the record once it
	// serves another connection. The exchange is returned after adopt
	// has copied leftover.
	srv := c.srv
	stream.Callbacks{}.Attach(sc)
	c.ex, c.sc = nil, nil
	c.detach()
	adopt(srv.now(), sc, leftover)
	srv.release(ex)
}
