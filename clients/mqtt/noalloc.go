package mqtt

import (
	"unsafe"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// What runs on every connection, reconnections included, allocates
// nothing: the CONNECT and the re-SUBSCRIBEs are encoded from views of
// the configuration's strings, and the reason a connection ended is found
// without errors.As (whose target escapes to the heap).

// bytesOf views s as bytes without copying. The packet encoders only read
// what they are given, so the view is never written.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// findErr walks err's chain, as errors.As does (both kinds of Unwrap), and
// returns the first error match accepts.
func findErr(err error, match func(error) bool) bool {
	for depth := 0; err != nil && depth < 32; depth++ {
		if match(err) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if findErr(e, match) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// asReasonError returns the *ReasonError in err's chain, if any.
func asReasonError(err error) *ReasonError {
	var re *ReasonError
	findErr(err, func(e error) bool {
		r, ok := e.(*ReasonError)
		if ok {
			re = r
		}
		return ok
	})
	return re
}

// disconnectReason returns the reason code a 5.0 DISCONNECT gives for
// err, and whether err is a protocol violation (a *ProtocolError, or a
// packet.Error other than ErrIncomplete, in its chain).
func disconnectReason(err error) (code ReasonCode, ok bool) {
	findErr(err, func(e error) bool {
		switch v := e.(type) {
		case *ProtocolError:
			code, ok = v.Code, true
		case packet.Error:
			if v != packet.ErrIncomplete {
				code, ok = v.ReasonCode(), true
			}
		}
		return ok
	})
	return code, ok
}
