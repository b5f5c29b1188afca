package http

import (
	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/tcp"
)

// Error is an HTTP client error, comparable with errors.Is and free of
// allocation. A request's future fails with one of these, with a DNSError
// (which also matches ErrDNS), or, for a failure of a stream this package
// does not know (a TLS stream's, later), with a *StreamError.
type Error uint8

const (
	// ErrBadURL: the URL is not an absolute http or https URL this client
	// can use (missing host, userinfo, bad port, bytes that must be
	// percent-encoded, longer than MaxURL).
	ErrBadURL Error = iota + 1
	// ErrUnsupportedScheme: the scheme is neither http nor https.
	ErrUnsupportedScheme
	// ErrNoTLS: an https URL, and Config.TLSDialer is nil.
	ErrNoTLS
	// ErrBadMethod: the method is not a token (RFC 9110 9.1), or is CONNECT.
	ErrBadMethod
	// ErrBadHeader: a header field name is not a token, a value holds CR, LF
	// or another control byte, or the field is one the client writes
	// itself (Content-Length, Transfer-Encoding).
	ErrBadHeader
	// ErrBusy: Do was called with a Request that is still in flight.
	ErrBusy
	// ErrQueueFull: Config.MaxQueued requests already wait for a
	// connection.
	ErrQueueFull
	// ErrNoResolver: the URL names a host, not an address, and
	// Config.Resolver is nil.
	ErrNoResolver
	// ErrDNS: the host name could not be resolved; errors.Is matches it for
	// every DNSError, which also unwraps to the resolver's dns.Error.
	ErrDNS
	// ErrRefused: the server refused the connection (a reset to the SYN),
	// or the stack could not open one.
	ErrRefused
	// ErrReset: the connection was reset, or lost (TCP's user or keep-alive
	// timeout), before the response was complete.
	ErrReset
	// ErrConnClosed: the server closed the connection before the response
	// was complete (and the request could not be retried).
	ErrConnClosed
	// ErrConnectTimeout: the connection (TCP handshake, and TLS's when it
	// comes) was not up within Config.ConnectTimeout.
	ErrConnectTimeout
	// ErrHeaderTimeout: the response head was not complete within
	// Config.HeaderTimeout of the request being sent.
	ErrHeaderTimeout
	// ErrIOTimeout: the exchange made no progress (no byte of the request
	// accepted, no byte of the response received) for Config.IOTimeout
	// while sending the request or receiving the body.
	ErrIOTimeout
	// ErrTimeout: the request as a whole took longer than Config.Timeout
	// (or Request.Timeout), from Do to the last byte of the body.
	ErrTimeout
	// ErrMalformed: the response is not valid HTTP/1.x: a bad status line
	// or header field, conflicting or duplicate framing (two
	// Content-Lengths, Content-Length with Transfer-Encoding), a transfer
	// coding other than chunked, bad chunk framing, too many interim
	// responses, or a body longer than its Content-Length.
	ErrMalformed
	// ErrHeadTooLarge: the response head (or its trailers) exceeded
	// Config.MaxHeaderBytes, or had more than Config.MaxHeaders fields.
	ErrHeadTooLarge
	// ErrBodyTooLarge: the response body did not fit Request.Into.
	ErrBodyTooLarge
	// ErrTooManyRedirects: more than Config.MaxRedirects redirects.
	ErrTooManyRedirects
	// ErrBadRedirect: a redirect whose Location is not a URL the client
	// can follow (a 3xx without any Location is returned as it is).
	ErrBadRedirect
	// ErrUpgrade: the server answered 101 Switching Protocols, which this
	// client never asks for and does not support.
	ErrUpgrade
	// ErrBodySource: a streamed request body (Request.BodyFunc) ended
	// before its declared Request.ContentLength, or produced more.
	ErrBodySource
	// ErrCanceled: Cancel withdrew the request.
	ErrCanceled
	// ErrClosed: the client was closed.
	ErrClosed
	numErrors
)

var errorText = [...]string{
	ErrBadURL:            "http: bad URL",
	ErrUnsupportedScheme: "http: unsupported URL scheme",
	ErrNoTLS:             "http: https URL but no TLS dialer configured",
	ErrBadMethod:         "http: invalid method",
	ErrBadHeader:         "http: invalid header field",
	ErrBusy:              "http: request already in flight",
	ErrQueueFull:         "http: request queue full",
	ErrNoResolver:        "http: host name but no resolver configured",
	ErrDNS:               "http: DNS lookup failed",
	ErrRefused:           "http: connection refused",
	ErrReset:             "http: connection reset",
	ErrConnClosed:        "http: server closed the connection before the response was complete",
	ErrConnectTimeout:    "http: connect timeout",
	ErrHeaderTimeout:     "http: timeout awaiting response head",
	ErrIOTimeout:         "http: exchange stalled",
	ErrTimeout:           "http: request timeout",
	ErrMalformed:         "http: malformed response",
	ErrHeadTooLarge:      "http: response head too large",
	ErrBodyTooLarge:      "http: response body too large",
	ErrTooManyRedirects:  "http: too many redirects",
	ErrBadRedirect:       "http: redirect to an unusable Location",
	ErrUpgrade:           "http: unexpected 101 Switching Protocols",
	ErrBodySource:        "http: streamed request body did not match its length",
	ErrCanceled:          "http: request canceled",
	ErrClosed:            "http: client closed",
}

// Error returns a constant string; it does not allocate.
func (e Error) Error() string {
	if e < numErrors && errorText[e] != "" {
		return errorText[e]
	}
	return "http: unknown error"
}

// Timeout reports whether the error is one of the timeouts, as net.Error
// does.
func (e Error) Timeout() bool {
	switch e {
	case ErrConnectTimeout, ErrHeaderTimeout, ErrIOTimeout, ErrTimeout:
		return true
	}
	return false
}

// Temporary reports whether trying again later may succeed.
func (e Error) Temporary() bool {
	switch e {
	case ErrQueueFull, ErrRefused, ErrReset, ErrConnClosed, ErrConnectTimeout,
		ErrHeaderTimeout, ErrIOTimeout, ErrTimeout:
		return true
	}
	return false
}

// DNSError is a failed lookup of the URL's host: errors.Is matches it with
// ErrDNS and, through Unwrap, with the resolver's own dns.Error
// (dns.ErrNotFound, dns.ErrTimeout, ...). It is one byte, so it costs no
// allocation either.
type DNSError dns.Error

var dnsText = func() (t [256]string) {
	for i := range t {
		t[i] = "http: DNS lookup failed: " + dns.Error(i).Error()
	}
	return t
}()

// Error returns a constant string; it does not allocate.
func (e DNSError) Error() string { return dnsText[e] }

// Unwrap returns the resolver's error.
func (e DNSError) Unwrap() error { return dns.Error(e) }

// Is makes every DNSError match ErrDNS.
func (e DNSError) Is(target error) bool { return target == ErrDNS }

// Timeout reports whether the lookup timed out.
func (e DNSError) Timeout() bool { return dns.Error(e).Timeout() }

// StreamError wraps a failure of the stream that this package does not
// know (not one of tcp's): errors.Is matches it with Kind (ErrRefused,
// ErrReset, ErrConnectTimeout, ...) and, through Unwrap, with Err.
type StreamError struct {
	Kind Error
	Err  error
}

func (e *StreamError) Error() string { return e.Kind.Error() + ": " + e.Err.Error() }

// Unwrap returns the stream's error.
func (e *StreamError) Unwrap() error { return e.Err }

// Is matches Kind.
func (e *StreamError) Is(target error) bool { return target == e.Kind }

// streamErr maps an error a stream reported, in the phase that kind
// names (ErrRefused while connecting, ErrReset after), to this package's
// errors. TCP's own are mapped without allocating.
func streamErr(err error, kind Error) error {
	if te, ok := err.(tcp.Error); ok {
		switch te {
		case tcp.ErrRefused:
			return ErrRefused
		case tcp.ErrConnectTimeout:
			return ErrConnectTimeout
		case tcp.ErrReset, tcp.ErrUserTimeout, tcp.ErrKeepAliveTimeout, tcp.ErrAborted:
			if kind == ErrRefused {
				return ErrRefused
			}
			return ErrReset
		case tcp.ErrClosed:
			if kind == ErrRefused {
				return ErrRefused
			}
			return ErrConnClosed
		}
		return kind
	}
	if e, ok := err.(Error); ok {
		return e
	}
	if err == nil {
		return kind
	}
	return &StreamError{Kind: kind, Err: err}
}
