package tcp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// The zero-copy forms move the same bytes as Read and Write, and the
// callbacks fire when there is something to do.
func TestLeasesAndCallbacks(t *testing.T) {
	s := connected(t, scriptConfig())
	readable, writable := 0, 0
	s.c.OnReadable(func() { readable++ })
	s.c.OnWritable(func() { writable++ })

	// Fill the 1000-byte send ring through WriteLease in two steps.
	first, second, err := s.c.WriteLease()
	if err != nil || len(first)+len(second) != 1000 {
		t.Fatalf("WriteLease: %d+%d bytes, %v", len(first), len(second), err)
	}
	data := seqPayload(localISS+1, 1000)
	copy(first, data[:600])
	s.c.CommitWrite(600)
	if n, err := s.c.Write(data[600:]); n != 400 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if _, err := s.c.Write([]byte("x")); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("Write to a full ring: %v, want ErrWouldBlock", err)
	}
	if _, _, err := s.c.WriteLease(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("WriteLease of a full ring: %v", err)
	}
	for off := 0; off < 1000; off += 100 {
		flags := ACK
		if off == 900 {
			flags = PSHACK
		}
		s.recv(Repr{Seq: localISS.Add(uint32(1 + off)), Ack: remoteISS + 1, Flags: flags, Window: 1000, Payload: data[off : off+100]})
	}
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 301, Flags: ACK, Window: 1000, Payload: []byte("abc")})
	if writable != 1 || readable != 1 {
		t.Fatalf("after an ACK of 300 bytes with 3 bytes of data: writable %d, readable %d callbacks", writable, readable)
	}
	b, err := s.c.ReadLease()
	if err != nil || string(b) != "abc" {
		t.Fatalf("ReadLease = %q, %v", b, err)
	}
	s.c.Consume(2)
	s.read([]byte("c"))
	if _, err := s.c.ReadLease(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("ReadLease with nothing: %v", err)
	}
	s.send(Repr{Seq: remoteISS + 4, Ack: localISS + 301, Flags: FINACK, Window: 1000})
	if _, err := s.c.ReadLease(); err != io.EOF {
		t.Fatalf("ReadLease at the end: %v, want io.EOF", err)
	}
	if readable != 2 {
		t.Fatalf("the FIN made %d readable callbacks in all, want 2", readable)
	}
}

// A reset is reported after the data that came before it.
func TestReadAfterReset(t *testing.T) {
	s := connected(t, scriptConfig())
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: PSHACK, Window: 1000, Payload: []byte("data")})
	s.send(Repr{Seq: remoteISS + 5, Flags: RST})
	s.state(Closed)
	buf := make([]byte, 10)
	if n, err := s.c.Read(buf); n != 4 || err != nil || !bytes.Equal(buf[:4], []byte("data")) {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if _, err := s.c.Read(buf); !errors.Is(err, ErrReset) {
		t.Fatalf("Read after the data: %v, want ErrReset", err)
	}
	if _, err := s.c.Write(buf); !errors.Is(err, ErrReset) {
		t.Fatalf("Write: %v, want ErrReset", err)
	}
	if err := s.c.CloseFuture().Err(); !errors.Is(err, ErrReset) {
		t.Fatalf("CloseFuture: %v", err)
	}
}

// Errors are comparable values with messages, and timeouts say so.
func TestErrors(t *testing.T) {
	for e := ErrWouldBlock; e <= ErrNotSYN; e++ {
		if e.Error() == "tcp: unknown error" || !errors.Is(error(e), e) {
			t.Errorf("Error(%d) = %q", e, e.Error())
		}
	}
	if !ErrUserTimeout.Timeout() || ErrReset.Timeout() {
		t.Error("Timeout() wrong")
	}
	if Error(200).Error() != "tcp: unknown error" {
		t.Error("unknown error text")
	}
	for st := Closed; st <= TimeWait; st++ {
		if st.String() == "UNKNOWN" {
			t.Errorf("state %d has no name", st)
		}
	}
}
