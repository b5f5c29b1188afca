package stream

// Callbacks is the set of four callbacks a Conn's owner sets, kept in one
// value so that an owner which serves many connections can bind its method
// values once per record and set them on each stream it takes with one
// Attach: a method value such as c.onReadable is a closure the runtime
// allocates each time it is taken.
type Callbacks struct {
	Readable, Writable, PeerClosed func()
	Closed                         func(error)
}

// Attach sets the four callbacks on c. The zero Callbacks clears them, as
// an owner that hands c over must before the new owner sets its own.
func (cb Callbacks) Attach(c Conn) {
	c.OnReadable(cb.Readable)
	c.OnWritable(cb.Writable)
	c.OnPeerClosed(cb.PeerClosed)
	c.OnClosed(cb.Closed)
}
