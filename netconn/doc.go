// Package netconn gives code on other goroutines the standard library's
// network interfaces over a legation stack: net.Conn and net.Listener for
// TCP, net.PacketConn for UDP. Go's net/http, crypto/tls, WebSocket and MQTT
// libraries run over it unchanged; a Net's DialContext slots straight into
// http.Transport.DialContext and its Listen into http.Serve.
//
// The stack and its sockets belong to the reactor goroutine, so every call
// here crosses into it through the reactor's wake queue (Reactor.Post) and
// nothing else: a blocked Read, Write or Accept hands its request to the
// reactor and waits on a channel that a callback of the socket signals when
// data, room, a connection, an error or the end arrives. The reactor copies
// straight between the socket's ring and the caller's buffer, once, while the
// caller waits; no goroutine is started per connection and a Read or Write
// in steady state allocates nothing. Deadlines run on the caller's side
// (Go's timers), and a deadline that passes, or a Close, withdraws the
// request and waits until the reactor has let go of the buffer, so the
// caller may reuse it at once.
//
// Semantics follow the kernel's sockets as Go presents them: Write returns
// once all of p is queued in the send ring; Close is graceful (a FIN follows
// the queued data) unless received data is left unread, when the connection
// is reset as Linux does; CloseWrite half-closes; deadlines fail calls with
// os.ErrDeadlineExceeded inside a *net.OpError whose Timeout is true; calls
// after Close fail with net.ErrClosed; a reset matches both tcp.ErrReset and
// syscall.ECONNRESET with errors.Is. Nagle's algorithm is off by default, as
// in package net.
//
// The reactor must be turning (Reactor.Run on its own goroutine, on any
// clock) for calls to complete; netconn assumes nothing else about it. It
// speaks IPv4 only, resolves names only through the hook in Config (Lookup
// plugs in legation's own stub resolver), and does not let a caller choose
// the local port of an outgoing connection.
package netconn
