package websocket

// Error is a WebSocket error. Values are comparable with errors.Is and cost
// no allocation. The protocol errors (those with a non-zero CloseCode) are
// what the server found wrong with a peer's input; it closes the
// connection with that code.
type Error uint8

const (
	// ErrNeedMore: ParseFrameHeader was given part of a header, valid so
	// far; call again with more bytes. Not a protocol error.
	ErrNeedMore Error = iota + 1

	// Protocol errors of the frame codec (close code 1002).
	ErrReservedBits      // RSV1-3 set, with no extension negotiated
	ErrBadOpcode         // a reserved opcode
	ErrFragmentedControl // a control frame without FIN
	ErrControlTooLong    // a control frame payload over 125 bytes
	ErrLengthOverflow    // a 64-bit payload length with its top bit set
	ErrNonMinimalLength  // a length not in its shortest encoding

	// Protocol errors of a connection's input.
	ErrUnmasked             // a client frame without a mask (1002)
	ErrBadContinuation      // a continuation with no message started (1002)
	ErrExpectedContinuation // a new data frame inside a fragmented message (1002)
	ErrBadClosePayload      // a close frame with a 1-byte payload (1002)
	ErrBadCloseCode         // a close frame with a code not valid on the wire (1002)
	ErrInvalidUTF8          // text (or a close reason) that is not UTF-8 (1007)
	ErrMessageTooBig        // a message over Config.MaxMessage (1009)

	// Errors of the application's calls.
	ErrQueueFull   // the send ring cannot take the whole frame now: wait for OnWritable
	ErrTooLarge    // the frame is larger than the send ring could ever take: send it in parts
	ErrClosed      // the connection is closing or closed: nothing more can be sent
	ErrFragmenting // Send while a message sent with SendPart is unfinished
	ErrControlLen  // a ping payload over 125 bytes or a close reason over 123
	ErrCloseCode   // Close with a code that may not be sent (Valid is false)
)

var errorText = [...]string{
	ErrNeedMore:             "websocket: frame header incomplete",
	ErrReservedBits:         "websocket: reserved bits set",
	ErrBadOpcode:            "websocket: reserved opcode",
	ErrFragmentedControl:    "websocket: fragmented control frame",
	ErrControlTooLong:       "websocket: control frame payload over 125 bytes",
	ErrLengthOverflow:       "websocket: 64-bit payload length with the top bit set",
	ErrNonMinimalLength:     "websocket: payload length not minimally encoded",
	ErrUnmasked:             "websocket: client frame not masked",
	ErrBadContinuation:      "websocket: continuation frame without a message",
	ErrExpectedContinuation: "websocket: data frame inside a fragmented message",
	ErrBadClosePayload:      "websocket: close frame with a 1-byte payload",
	ErrBadCloseCode:         "websocket: invalid close code",
	ErrInvalidUTF8:          "websocket: invalid UTF-8 in text",
	ErrMessageTooBig:        "websocket: message too big",
	ErrQueueFull:            "websocket: send queue full",
	ErrTooLarge:             "websocket: frame larger than the send buffer",
	ErrClosed:               "websocket: connection closed",
	ErrFragmenting:          "websocket: a fragmented message is being sent",
	ErrControlLen:           "websocket: control payload too long",
	ErrCloseCode:            "websocket: close code may not be sent",
}

func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "websocket: unknown error"
}

// CloseCode returns the close code a server answers the error with, or 0
// if it is not a protocol error.
func (e Error) CloseCode() CloseCode {
	switch {
	case e >= ErrReservedBits && e <= ErrBadCloseCode:
		return CloseProtocolError
	case e == ErrInvalidUTF8:
		return CloseInvalidPayload
	case e == ErrMessageTooBig:
		return CloseMessageTooBig
	}
	return 0
}
