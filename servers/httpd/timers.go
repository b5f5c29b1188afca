package httpd

import "github.com/seed947b3480/legation/reactor"

// connList is a list of connections waiting for one kind of deadline.
// Every deadline of a kind is a fixed time after the moment the
// connection joined (or was last touched), so appending at the back keeps
// the list in deadline order: the server looks only at the front, and
// joining, leaving and touching are O(1), however many connections wait.
// The free list of records (connpool.go) uses the same link.
type connList = reactor.List[conn]

func newConnList() connList { return reactor.NewList(connLink) }

func connLink(c *conn) *reactor.Link[conn] { return &c.link }

func connDeadline(c *conn) reactor.Instant { return c.deadline }
