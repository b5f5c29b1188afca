package tcp

// Notifier is told when a user call gave a connection something to send
// (data, a FIN, a reset, a window update), so the stack polls it without
// waiting for its next timer. The stack's record of the connection is
// one. Wake runs on the reactor goroutine, inside the user's call.
type Notifier interface {
	Wake()
}

// SetNotifier registers n (nil to unregister). The stack sets it when it
// creates or accepts the connection.
func (c *Conn) SetNotifier(n Notifier) { c.notifier = n }

func (c *Conn) notify() {
	if c.notifier != nil {
		c.notifier.Wake()
	}
}
