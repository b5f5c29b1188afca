// Package websocket is the server side of the WebSocket protocol (RFC 6455)
// over a legation stream.Conn (a tcp.Conn, or a TLS session over one), for
// servers/httpd's upgraded connections.
//
// httpd answers the opening handshake itself (it checks the request and
// computes Sec-WebSocket-Accept with AcceptKey) and hands the connection,
// with any bytes it read past the request head, to a Group with Adopt. From
// then on the Group runs the connection in callbacks on the reactor
// goroutine: it reads frames from the TCP receive ring, answers pings,
// reassembles fragmented messages and hands each whole message to
// Handler.OnMessage, runs the closing handshake, and refuses every protocol
// violation of RFC 6455 sections 5 and 7 with the close code section 7.4.1
// asks for. Sends go straight into the TCP send ring, a whole frame or
// nothing, so a slow reader shows up as ErrQueueFull and the application
// resumes from Handler.OnWritable: the send ring is the only queue. Over
// TLS (an HTTPS server's upgrades) the stream is a tlsstream.Conn, whose
// leases are the plaintext of one record: frames are read and written
// the same way, through the TLS engine's buffers instead of TCP's rings.
//
// Memory: an idle connection holds no buffer of its own, only its record
// (see Conn). A message that arrives whole in one piece of the receive ring
// is unmasked and delivered in place; one that arrives in pieces, or
// fragmented, borrows a buffer from the Group's pool for as long as it is
// being assembled (and a larger one, up to Config.MaxMessage, if it needs
// it). Once established, receiving and sending a message allocates nothing.
//
// Timers (the closing handshake's timeout, keep-alive pings and their pong
// timeout) are data, kept in per-kind lists in deadline order so that each
// event costs O(1) however many connections there are; the host (httpd's
// task) calls Group.Poll and is woken through Group.SetWaker when a nearer
// deadline appears.
//
// The frame codec (ParseFrameHeader, AppendFrameHeader, MaskBytes,
// UTF8Validator) is sans-IO and usable on its own, by a client as well.
//
// What it does not do: the HTTP handshake, the client role, extensions
// (permessage-deflate: a frame with a reserved bit set is a protocol error,
// since none was negotiated) or subprotocol negotiation.
package websocket
