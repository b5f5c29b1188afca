package websocket

import "strconv"

// CloseCode is a close frame's status code (RFC 6455 7.4).
type CloseCode uint16

// The codes of RFC 6455 7.4.1 and the IANA registry.
const (
	CloseNormal             CloseCode = 1000
	CloseGoingAway          CloseCode = 1001
	CloseProtocolError      CloseCode = 1002
	CloseUnsupportedData    CloseCode = 1003
	CloseNoStatus           CloseCode = 1005 // never sent: the close frame had no code
	CloseAbnormal           CloseCode = 1006 // never sent: the connection ended without a close frame
	CloseInvalidPayload     CloseCode = 1007 // e.g. text that is not UTF-8
	ClosePolicyViolation    CloseCode = 1008
	CloseMessageTooBig      CloseCode = 1009
	CloseMandatoryExtension CloseCode = 1010
	CloseInternalError      CloseCode = 1011
	CloseServiceRestart     CloseCode = 1012
	CloseTryAgainLater      CloseCode = 1013
	CloseBadGateway         CloseCode = 1014
	CloseTLSHandshake       CloseCode = 1015 // never sent
)

// Valid reports whether c may appear in a close frame: the codes defined
// for use on the wire (1000-1003, 1007-1014), and 3000-4999 for libraries
// and applications. 0-999, 1004 (reserved), 1005, 1006 and 1015 (local
// meanings only), the unassigned 1016-2999 and everything from 5000 are
// not, and a close frame carrying one is a protocol error (7.4.1, 7.4.2).
func (c CloseCode) Valid() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

func (c CloseCode) String() string {
	switch c {
	case CloseNormal:
		return "normal closure"
	case CloseGoingAway:
		return "going away"
	case CloseProtocolError:
		return "protocol error"
	case CloseUnsupportedData:
		return "unsupported data"
	case CloseNoStatus:
		return "no status"
	case CloseAbnormal:
		return "abnormal closure"
	case CloseInvalidPayload:
		return "invalid payload data"
	case ClosePolicyViolation:
		return "policy violation"
	case CloseMessageTooBig:
		return "message too big"
	case CloseMandatoryExtension:
		return "mandatory extension"
	case CloseInternalError:
		return "internal error"
	case CloseServiceRestart:
		return "service restart"
	case CloseTryAgainLater:
		return "try again later"
	case CloseBadGateway:
		return "bad gateway"
	case CloseTLSHandshake:
		return "TLS handshake"
	}
	return "close code " + strconv.Itoa(int(c))
}
