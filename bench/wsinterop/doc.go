// Package wsinterop proves legation's WebSocket server (servers/httpd with
// servers/httpd/websocket) against a client nobody on the team wrote:
// github.com/lxzan/gws, pinned in this module's go.mod.
//
// Everything runs in one process, on the real clock: the server stack and
// a peer stack joined by hal/loopback turn on one reactor goroutine, and
// gws dials through netconn (a net.Conn over the peer stack) with its
// ClientOption.NewDialer, then runs its read loop on a goroutine of its
// own, as it would over a kernel socket. The server is wstest.Echo
// (servers/httpd/websocket/wstest) on /ws and its
// closing route on /bye; the tests check echoes of text and binary messages
// from 0 B to 1 MiB by SHA-256 on both ends, fragmented messages, ping and
// pong, and the closing handshake started by either side:
//
//	cd bench && go test -v ./wsinterop/
//
// gws (v1.9.1) cannot send a fragmented message: every frame it writes is
// final. The fragmented cases therefore write hand-made masked frames on
// the connection gws upgraded (gws.Conn.NetConn) and let gws read the echo;
// interop/websocket_test.go sends fragments from Debian's python3-websockets
// too. The server's echo of a message larger than its 16 KiB send ring goes
// out fragmented (SendPart), so gws reassembles those.
package wsinterop
