// Package httpd is an HTTP/1.1 server that runs as a reactor poll task on a
// legation stack: thousands of keep-alive connections on one goroutine, each
// holding only its parsing state while idle.
//
// A request's buffer is lent from a bounded pool when its first byte arrives
// and returned when its response has been handed to TCP, so idle keep-alive
// connections cost a small record each (with a tcp.BufferPool under the
// listener, not even a TCP buffer). Request heads are parsed in place in that
// buffer; accessors return strings that point into it and stay valid until
// the response has been sent.
//
// Routing is by method and path pattern, with "*" capturing one path segment
// and a final "**" capturing the rest. Handlers answer with Send, JSON, HTML,
// Static (pre-compressed gzip) or Stream (a body produced in pieces); a
// StreamHandler takes a request body in pieces as it arrives, so uploads and
// downloads of any size need no large buffer. Routes registered with
// WebSocket upgrade to RFC 6455 connections served by package websocket.
//
// Every refusal has its status: 400 for malformed or ambiguous framing
// (request smuggling shapes included), 404, 405 with Allow, 408 when a head
// or body stalls, 413, 414, 431, 501 for unknown transfer codings, 505, and
// 503 when the server is at its connection limit. Limits and timeouts are in
// Config, each with a documented default.
//
// With Config.TLS the server speaks HTTPS: each connection is a TLS 1.3
// session (a tlsx/tlsstream.Acceptor, package tlsx's engine) over its TCP
// connection, offering ALPN "http/1.1", and everything above runs on it
// unchanged, WebSocket upgrades included (WSS). The handshake counts
// against HeaderTimeout. A TLS session holds the engine's record buffers
// for as long as the connection lives, so an idle HTTPS connection costs
// tens of KiB more than an idle HTTP one (TestHTTPSIdleConnMemory logs it:
// about 39 KiB when this was written): bound MaxConns with that in mind.
// Config.TLS is an interface (Securer), so a program that serves plain
// HTTP links no TLS engine: httpd imports none (TestNoTLSDependency).
//
// The server answers HTTP/1.0 and HTTP/1.1 with persistent connections and
// pipelining (one request at a time, in order); it does not speak HTTP/2,
// serve files from a file system, or send a Date header (a device often has
// no clock it can trust; RFC 9110 6.6.1 lets it omit the field).
package httpd
