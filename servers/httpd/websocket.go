package httpd

import (
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/stream"
)

// WebSocket serves RFC 6455 connections on pattern with g: the server
// answers the opening handshake (503 while g is Full), hands the
// connection to g, polls g's
// timers from its own task, and on Shutdown closes g's connections with
// 1001 (going away).
func (s *Server) WebSocket(pattern string, g *websocket.Group) {
	g.SetWaker(s)
	g.SetClock(s.st)
	s.AddTicker(g)
	s.groups = append(s.groups, g)
	rt := s.handleUpgrade(pattern, func(now reactor.Instant, c stream.Conn, leftover []byte) {
		g.Adopt(now, c, leftover)
	})
	rt.full = g.Full
}
