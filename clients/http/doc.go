// Package http is legation's HTTP/1.1 client: a reactor poll task that
// sends requests over the stack and hands back responses through futures,
// with keep-alive connections pooled per origin.
//
// A Client is made with New and spawned on the reactor of its stack. Do
// starts a Request and returns a reactor.Future of its Response, whose
// completion callback runs on the reactor goroutine:
//
//	req := &http.Request{URL: "http://192.168.7.1/status", Into: make([]byte, 0, 4096)}
//	c.Do(req).OnComplete(func(resp *http.Response, err error) { ... resp.Status, resp.Body ... })
//
// # Requests
//
// Any method token (CONNECT excepted), header fields checked for CR/LF and
// other injection, a Host field from the URL and a User-Agent by default,
// and a body: a []byte sent with a Content-Length, or a BodyFunc that
// produces it straight into the stream's send ring when it has room, sized
// or chunked, pausing until Client.Resume when it has nothing yet. The
// head, too, is written straight into the send ring (WriteLease and
// CommitWrite), piece by piece, never assembled elsewhere. URLs are
// absolute http:// or https:// URLs; the path and query go out as written,
// percent-encoding and all; userinfo is refused and a fragment dropped.
//
// # Responses
//
// The response parser is sans-IO and incremental (a head may arrive a byte
// at a time) and strict where leniency would let it disagree with another
// parser about where a response ends (see parse.go): bare CR or LF, folded
// lines, whitespace before a colon, duplicate or conflicting Content-Length
// and Transfer-Encoding, codings other than chunked, and bad chunk framing
// are all ErrMalformed. Bodies are delimited by Content-Length, by the
// chunked coding (trailers kept, Response.Trailer) or by the server closing
// the connection (HTTP/1.0, or no length: the connection is not reused).
// Interim 1xx responses are skipped (101 is ErrUpgrade); responses to HEAD
// and 204 and 304 responses have no body.
//
// The head is read into a buffer the Request owns (Config.MaxHeaderBytes,
// made on its first Do), and the Response's strings (Reason, Header,
// HeaderAt, Trailer, URL) point into it without copying: they are valid
// until the Request is passed to Do again, in OnHead and OnData callbacks
// and after the future completes alike. The body goes to OnData in pieces,
// straight from the stream's receive ring (each piece valid only during the
// call), or is gathered into Request.Into up to its capacity
// (ErrBodyTooLarge beyond), or is read and dropped. OnHead, if set, sees
// the head before the body.
//
// # Connections
//
// Connections are kept per origin (scheme, host, port): at most
// MaxConnsPerHost to one origin and MaxConns in all, of which at most
// MaxIdleConns stay open between requests, for at most IdleTimeout. A
// request whose origin has no idle connection and no room for another
// waits in a queue (bounded: ErrQueueFull). One request at a time runs on
// a connection (no pipelining). A kept-alive connection that the server
// has closed is noticed when it is picked (its FIN or reset is waiting in
// it) or when the request on it gets an end or a reset before any byte of
// a response; an idempotent request whose body can be sent again is then
// sent once more on a fresh connection.
//
// Streams come from a stream.Dialer: Config.Dialer for http (plain TCP by
// default) and Config.TLSDialer for https, which is how TLS slots in under
// the client without changing its API; the client talks to nothing but
// stream.Conn. Names are resolved by Config.Resolver (IPv4).
//
// For https, TLSDialer is a tlsstream.Dialer (package tlsx/tlsstream): TLS 1.3
// by tlsx over a TCP stream, the URL's host as the server name (SNI and the
// certificate's host check), verification against the tlsx.Config's
// RootCAs. A refused handshake fails the request with ErrRefused wrapping
// the *tlsx.Error, so errors.Is(err, tlsx.ErrUnknownCA) and the like work;
// ConnectTimeout covers the TLS handshake too.
//
//	roots, _ := tlsx.RootsFromPEM(caPEM)
//	c, _ := http.New(st, http.Config{TLSDialer: &tlsstream.Dialer{
//		Inner:  &stream.TCP{Host: st, Config: tcp.Config{NoDelay: true}},
//		Config: &tlsx.Config{RootCAs: roots},
//	}})
//
// # Redirects
//
// 301, 302, 303, 307 and 308 with a Location are followed (up to
// MaxRedirects, then ErrTooManyRedirects), unless Config.NoRedirects or
// Request.NoRedirect asks for the 3xx response itself; without a Location
// the 3xx response is the answer. The Location is resolved against the
// current URL (RFC 3986 5.2); 303, and 301 or 302 answering POST, turn the
// request into a GET without a body; 307 and 308 keep method and body, and
// are not followed with a streamed body (the 3xx response is returned).
// Authorization, Proxy-Authorization and Cookie fields are not sent once a
// redirect leaves the origin of the original URL. The redirect's own body
// is read away (up to MaxDrain) to keep its connection.
//
// # Timeouts and errors
//
// ConnectTimeout (dial to stream ready), HeaderTimeout (request sent to
// response head complete), IOTimeout (a stall while sending the request or
// receiving the body) and Timeout (the whole request, off by default;
// Request.Timeout for one request) each fail with their own Error. Every
// failure has a typed error, tested with errors.Is and allocation-free:
// ErrRefused, ErrReset, ErrConnClosed, the timeouts, ErrDNS (a DNSError
// that unwraps to the resolver's dns.Error), ErrNoResolver, ErrMalformed,
// ErrHeadTooLarge, ErrBodyTooLarge, ErrTooManyRedirects, ErrBadRedirect,
// ErrUpgrade, ErrUnsupportedScheme, ErrNoTLS, ErrBadURL, ErrBadMethod,
// ErrBadHeader, ErrQueueFull, ErrCanceled, ErrClosed.
//
// # Allocation
//
// New allocates the connection table; a Request allocates its head buffer
// and field table on its first Do. After that, a request on a kept-alive
// connection allocates nothing: the Request, its Response and its future
// are reused, the head is parsed in place, and the body is delivered in
// place or copied into Into. Opening a connection costs the stream's own
// allocations; a redirect allocates its URL buffer once per Request.
//
// What it does not do: HTTP/2, pipelining, proxies, cookies, content
// decoding (gzip bodies are delivered as they come), Expect: 100-continue,
// or caching. TLS 1.2 and older are not spoken (tlsx is TLS 1.3 only).
package http
