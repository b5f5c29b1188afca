package websocket

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// mframe is a masked client frame with the first byte given whole, so that
// tests can set reserved bits and opcodes at will.
func mframe(b0 byte, payload []byte) []byte {
	key := [4]byte{0xA1, 0xB2, 0xC3, 0xD4}
	h := FrameHeader{Masked: true, Mask: key, Length: uint64(len(payload))}
	out := AppendFrameHeader(nil, h)
	out[0] = b0
	start := len(out)
	out = append(out, payload...)
	MaskBytes(key, 0, out[start:])
	return out
}

func closePayload(code CloseCode, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// Every protocol violation of RFC 6455 sections 5 and 7 gets the close
// code 7.4.1 asks for: the client reads a close frame with that code, then
// the end of the stream (the server closes TCP first, gracefully, so the
// close frame is not lost to a reset), and the server reports the same
// code to the application.
func TestRefusals(t *testing.T) {
	const fin = 0x80
	key := []byte{1, 2, 3, 4}
	cases := []struct {
		name string
		wire []byte
		code CloseCode
	}{
		{"unmasked", AppendFrameHeader(nil, FrameHeader{Fin: true, Opcode: OpText, Length: 2}), CloseProtocolError},
		{"RSV1", mframe(fin|0x40|1, []byte("hi")), CloseProtocolError},
		{"RSV2", mframe(fin|0x20|2, []byte("hi")), CloseProtocolError},
		{"RSV3", mframe(fin|0x10|9, nil), CloseProtocolError},
		{"opcode 3", mframe(fin|3, nil), CloseProtocolError},
		{"opcode 0xB", mframe(fin|0xB, nil), CloseProtocolError},
		{"ping without FIN", mframe(9, []byte("x")), CloseProtocolError},
		{"ping of 126 bytes", mframe(fin|9, make([]byte, 126)), CloseProtocolError},
		{"close of 126 bytes", mframe(fin|8, make([]byte, 126)), CloseProtocolError},
		{"continuation first", mframe(fin|0, []byte("x")), CloseProtocolError},
		{"text inside text", cat(mframe(1, []byte("a")), mframe(fin|1, []byte("b"))), CloseProtocolError},
		{"binary inside text", cat(mframe(1, []byte("a")), mframe(fin|2, []byte("b"))), CloseProtocolError},
		{"continuation after a whole message", cat(mframe(fin|1, []byte("a")), mframe(fin|0, []byte("b"))), CloseProtocolError},
		{"64-bit length with MSB", append([]byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}, key...), CloseProtocolError},
		{"non-minimal 16-bit length", append([]byte{0x82, 0xFE, 0x00, 0x05}, append(key, 1, 2, 3, 4, 5)...), CloseProtocolError},
		{"non-minimal 64-bit length", append([]byte{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x00}, key...), CloseProtocolError},
		{"invalid UTF-8", mframe(fin|1, []byte("abc\xff")), CloseInvalidPayload},
		{"surrogate", mframe(fin|1, []byte("\xed\xa0\x80")), CloseInvalidPayload},
		{"invalid UTF-8 in a first fragment, fail fast", mframe(1, []byte("ok\xc0\xaf")), CloseInvalidPayload},
		{"UTF-8 cut by a fragment, fail fast", mframe(1, []byte("ok\xf4\x90")), CloseInvalidPayload},
		{"UTF-8 unfinished at the end", cat(mframe(1, []byte("\xe2\x82")), mframe(fin|0, nil)), CloseInvalidPayload},
		{"message over MaxMessage, header alone", append([]byte{0x82, 0xFF, 0, 0, 0, 0, 0, 0x10, 0, 0}, key...), CloseMessageTooBig},
		{"fragments over MaxMessage", cat(mframe(2, make([]byte, 40000)), mframe(0, make([]byte, 30000))), CloseMessageTooBig},
		{"close with 1 byte", mframe(fin|8, []byte{3}), CloseProtocolError},
		{"close reason not UTF-8", mframe(fin|8, closePayload(1000, "\xff")), CloseInvalidPayload},
	}
	for _, bad := range []CloseCode{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		cases = append(cases, struct {
			name string
			wire []byte
			code CloseCode
		}{fmt.Sprintf("close code %d", bad), mframe(fin|8, closePayload(bad, "")), CloseProtocolError})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{}, echoHandler(), envOptions{})
			k := e.dial()
			k.raw(tc.wire)
			e.mustRun("close", func() bool { return k.ended() })
			if !k.gotClose || k.code != tc.code {
				t.Fatalf("client saw close=%v code %d %q, want %d", k.gotClose, k.code, k.reason, tc.code)
			}
			if !k.eof || k.err != nil {
				t.Fatalf("client: eof=%v err=%v (want a graceful end after the close frame)", k.eof, k.err)
			}
			if len(e.closes) != 1 || e.closes[0].code != tc.code || e.closes[0].reason != k.reason {
				t.Fatalf("server reported %+v", e.closes)
			}
			e.mustRun("release", func() bool { return e.g.Stats().Closed == 1 })
			if st := e.g.Stats(); st.ProtocolErrors != 1 || st.Open != 0 || st.BuffersInUse != 0 || st.MessagesIn != uint64(len(k.msgs)) {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}
