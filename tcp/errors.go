package tcp

// Error is what a connection reports to its user. Values are comparable
// with errors.Is and cost no allocation, so Read and Write can return them
// on every call.
type Error uint8

const (
	// ErrWouldBlock: Read found no data or Write no room; try again after
	// the readable or writable callback.
	ErrWouldBlock Error = iota + 1
	// ErrClosed: the user closed this side (Write after Close or
	// CloseWrite, Read after Close), or the connection is already closed.
	ErrClosed
	// ErrReset: the peer reset the connection (RFC 9293 3.10.7.4), or it
	// sent data after Close said nothing more would be read (RFC 2525 2.17).
	ErrReset
	// ErrRefused: the peer answered our SYN with a reset.
	ErrRefused
	// ErrConnectTimeout: the handshake did not complete within
	// Config.ConnectTimeout.
	ErrConnectTimeout
	// ErrUserTimeout: data stayed unacknowledged, or zero-window probes
	// unanswered, for Config.UserTimeout (RFC 9293 3.8.4, RFC 5482).
	ErrUserTimeout
	// ErrKeepAliveTimeout: the peer answered none of the keep-alive probes.
	ErrKeepAliveTimeout
	// ErrAborted: the user aborted the connection (a reset was sent).
	ErrAborted
	// ErrInUse: Connect or AcceptSYN on a Conn that was already opened.
	ErrInUse
	// ErrNotSYN: AcceptSYN with a segment that is not a bare SYN.
	ErrNotSYN
)

var errorText = [...]string{
	ErrWouldBlock:       "tcp: operation would block",
	ErrClosed:           "tcp: connection closed",
	ErrReset:            "tcp: connection reset by peer",
	ErrRefused:          "tcp: connection refused",
	ErrConnectTimeout:   "tcp: connect timed out",
	ErrUserTimeout:      "tcp: data unacknowledged for the user timeout",
	ErrKeepAliveTimeout: "tcp: peer unresponsive to keep-alive probes",
	ErrAborted:          "tcp: connection aborted",
	ErrInUse:            "tcp: connection already opened",
	ErrNotSYN:           "tcp: segment is not a SYN",
}

func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "tcp: unknown error"
}

// Timeout reports whether the error is a timeout, for net.Error adapters.
func (e Error) Timeout() bool {
	return e == ErrConnectTimeout || e == ErrUserTimeout || e == ErrKeepAliveTimeout
}
