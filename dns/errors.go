package dns

// Error is a resolver error. Values are comparable with errors.Is and cost
// no allocation.
type Error uint8

const (
	ErrNotFound       Error = iota + 1 // NXDOMAIN: the name does not exist
	ErrNoData                          // the name exists but has no record of the type asked for
	ErrServerFailure                   // SERVFAIL (or FORMERR, NOTIMP) from every server tried
	ErrRefused                         // REFUSED from every server tried
	ErrTimeout                         // no answer after Config.Attempts sends
	ErrNoServers                       // no name server is configured
	ErrMalformed                       // the answer matched the query but could not be parsed
	ErrNameTooLong                     // a name over 253 bytes, or a label over 63
	ErrBadName                         // an empty name or an empty label
	ErrTooManyQueries                  // Config.MaxQueries queries are already in flight
	ErrTruncated                       // the answer was truncated (TC) and TCP fallback is off, or TCP's answer was truncated too
	ErrCNAMELoop                       // the CNAME chain loops or is longer than Config.MaxCNAMEHops
	ErrClosed                          // the resolver was closed

	// Failures of the TCP fallback (RFC 7766), which asks a server that
	// truncated its answer over UDP again over TCP. Each is reported when
	// no other server answers either.
	ErrTCPRefused   // the server refused the TCP connection (or the stack could not open one)
	ErrTCPReset     // the server reset the TCP connection before the whole answer
	ErrTCPClosed    // the server closed the TCP connection before the whole answer
	ErrTCPTimeout   // no whole answer over TCP within Config.TCPTimeout
	ErrTCPBadLength // the answer's length prefix is shorter than a DNS header
	ErrTCPTooLarge  // the answer's length prefix exceeds Config.MaxTCPMessage
)

var errorText = [...]string{
	ErrNotFound:       "dns: no such host (NXDOMAIN)",
	ErrNoData:         "dns: no address of the requested type",
	ErrServerFailure:  "dns: server failure",
	ErrRefused:        "dns: query refused",
	ErrTimeout:        "dns: no answer from any server",
	ErrNoServers:      "dns: no name servers configured",
	ErrMalformed:      "dns: malformed answer",
	ErrNameTooLong:    "dns: name too long",
	ErrBadName:        "dns: bad name",
	ErrTooManyQueries: "dns: too many queries in flight",
	ErrTruncated:      "dns: answer truncated",
	ErrCNAMELoop:      "dns: CNAME chain loops or is too long",
	ErrClosed:         "dns: resolver closed",
	ErrTCPRefused:     "dns: TCP connection refused",
	ErrTCPReset:       "dns: TCP connection reset before the whole answer",
	ErrTCPClosed:      "dns: TCP connection closed before the whole answer",
	ErrTCPTimeout:     "dns: TCP answer not whole within TCPTimeout",
	ErrTCPBadLength:   "dns: TCP length prefix shorter than a DNS header",
	ErrTCPTooLarge:    "dns: TCP answer longer than MaxTCPMessage",
}

// Error returns a constant string; it does not allocate.
func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "dns: unknown error"
}

// Timeout reports whether the error is a timeout, as net.Error does.
func (e Error) Timeout() bool { return e == ErrTimeout || e == ErrTCPTimeout }

// Temporary reports whether asking again later may succeed: a timeout, a
// server failure, a refusal, a full query table, or a TCP connection that
// failed (but not a length prefix the server got wrong).
func (e Error) Temporary() bool {
	switch e {
	case ErrTimeout, ErrServerFailure, ErrRefused, ErrTooManyQueries,
		ErrTCPRefused, ErrTCPReset, ErrTCPClosed, ErrTCPTimeout:
		return true
	}
	return false
}

// TCP reports whether the error is a failure of the TCP fallback.
func (e Error) TCP() bool { return e >= ErrTCPRefused && e <= ErrTCPTooLarge }

// errMismatch marks a datagram that does not answer the query it arrived
// for (wrong ID, question or source). It never reaches a caller: the
// datagram is dropped and the query keeps waiting.
const errMismatch Error = 255
