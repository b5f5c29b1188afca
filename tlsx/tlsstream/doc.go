// Package tlsstream runs a tlsx TLS 1.3 session over any stream.Conn (a
// TCP connection, usually) and is itself a stream.Conn, so that legation's
// clients (clients/http, clients/mqtt) speak TLS by being handed a Dialer
// and servers/httpd speaks HTTPS by being handed an Acceptor, and nothing
// else changes. Those packages name only interfaces (stream.Dialer,
// httpd.Securer), so a program that never speaks TLS links none of it.
//
// The adapter is glue with no buffers of its own: bytes the inner stream
// lends (ReadLease) go straight into the engine (Input) and are consumed
// as far as it took them; records the engine has to send (OutputLease) are
// written into the inner stream's send ring as far as it has room, and the
// rest waits for the inner stream's OnWritable, in order. Decrypted bytes
// are lent from the engine's own buffer (ReadLease), plaintext is written
// into the engine's next record (WriteLease). After the handshake a record
// in or out allocates nothing.
//
// Callbacks follow tcp.Conn's: OnReadable when decrypted bytes, the end of
// the stream (the peer's close_notify) or an error can be read; OnWritable
// when the engine can take plaintext; OnPeerClosed at the peer's
// close_notify; OnClosed once the inner stream has closed (or at once on a
// fatal TLS error, whose alert is queued first). They run from the inner
// stream's events and the handshake timer, never from inside a Read,
// Consume, Write or CommitWrite. ConnectFuture completes when the TLS
// handshake has, or with the inner stream's error or the typed *tlsx.Error
// that stopped it. A stream that ends without a close_notify fails with
// tlsx.ErrTruncated.
//
// Closing: CloseWrite and Close queue close_notify once the records
// before it are out (a full engine buffer would have no room for it), then
// half-close or close the inner stream. Close and Release drop what the
// peer sent and nobody read rather than reset the connection as tcp.Conn
// does: the close_notify has said nothing more will be read, and a reset
// could overtake it.
//
// Engine buffers are the tlsx.Conn's (a record each way, about 36 KiB, for
// the connection's life), or with tlsx.Config.Buffers a shared pool's,
// borrowed only while they hold records (pool.go says how the adapter
// keeps that free of deadlock). The adapter adds a small record of state,
// and backpressure is the inner stream's: a slow reader leaves ciphertext
// in the inner receive ring, a slow network leaves records in the engine
// until the inner send ring has room (with a pool, the engine seals a
// record only once the ring has room for it).
//
// The engine's clock stays tlsx.Config.Time (time.Now when nil), not
// Options.Reactor's: it is read for certificate validity and ticket ages,
// which need the calendar, and a virtual reactor clock starts near the
// Unix epoch (stacktest's at 1970 plus 1000 s), where every certificate
// would be not yet valid; on a RealClock the two agree anyway. A program
// that simulates time sets Config.Time itself.
//
// The handshake deadline is the engine's (SetHandshakeDeadline, Tick): with
// Options.Reactor set, a connection spawns a task on it for the length of
// its handshake only and cancels it once the handshake is over, so an
// established connection costs the reactor nothing.
//
// Everything here runs on the reactor goroutine.
package tlsstream
