package udp

// Error is a UDP socket error. Values are comparable with errors.Is and cost
// no allocation.
type Error uint8

const (
	ErrWouldBlock    Error = iota + 1 // nothing to receive, or no room to send, right now
	ErrTimeout                        // a receive's deadline passed
	ErrClosed                         // the socket was closed
	ErrAlreadyBound                   // Bind on a bound socket
	ErrAddressInUse                   // the port is taken
	ErrNoPorts                        // no ephemeral port is free
	ErrBadAddress                     // not an IPv4 address and non-zero port
	ErrAddressFamily                  // a local address that is not IPv4
	ErrNotConnected                   // Send on an unconnected socket
	ErrTooLarge                       // the datagram exceeds the link or the send buffer
	ErrBusy                           // a receive future is already pending
)

var errorText = [...]string{
	ErrWouldBlock:    "udp: operation would block",
	ErrTimeout:       "udp: receive timed out",
	ErrClosed:        "udp: socket closed",
	ErrAlreadyBound:  "udp: socket already bound",
	ErrAddressInUse:  "udp: address in use",
	ErrNoPorts:       "udp: no free ephemeral port",
	ErrBadAddress:    "udp: bad address",
	ErrAddressFamily: "udp: address is not IPv4",
	ErrNotConnected:  "udp: socket not connected",
	ErrTooLarge:      "udp: datagram too large",
	ErrBusy:          "udp: a receive is already pending",
}

func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "udp: unknown error"
}

// Timeout reports whether the error is a timeout, as net.Error does.
func (e Error) Timeout() bool { return e == ErrTimeout }
