package tcp

// Notifier is told when a user call gave a connection something to send
// (data, a FIN, a reset, a window update), so the stack polls it without
// waiting for its next timer. One notifier (the stack) serves every
// connection, so it is told which. Notify runs on the reactor goroutine,
// inside the user's call.
type Notifier interface {
	Notify(c *Conn)
}

// SetNotifier registers n (nil to unregister). The stack sets it when it
// creates or accepts the connection.
func (c *Conn) SetNotifier(n Notifier) { c.notifier = n }

func (c *Conn) notify() {
	if c.notifier != nil {
		c.notifier.Notify(c)
	}
}
