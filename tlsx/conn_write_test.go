package tlsx

import (
	"bytes"
	"errors"
	"testing"
)

// TestWriteMessageAllOrNothing: a handshake message that does not fit the
// output buffer whole is not started. Queuing its first records and giving
// up would put half a message on the wire, which the peer cannot parse
// and the next message cannot follow.
func TestWriteMessageAllOrNothing(t *testing.T) {
	a, _ := connectedPair(t, TLS_AES_128_GCM_SHA256)
	a.maxSend = 100
	// Leave room for one record of 100 bytes (5+100+1+16 = 122) but not
	// for the two that a 180-byte message takes (122 + 5+80+1+16 = 224).
	a.outEnd = len(a.out) - 150
	before := a.outEnd
	msg := bytes.Repeat([]byte{7}, 180)
	if a.writeMessage(contentHandshake, msg) {
		t.Fatal("writeMessage reported success without room")
	}
	if a.outEnd != before {
		t.Fatalf("writeMessage queued %d bytes of a message it did not finish", a.outEnd-before)
	}
	// With room it goes out whole, in two records.
	a.outEnd = len(a.out) - 224
	if !a.writeMessage(contentHandshake, msg) || a.outEnd != len(a.out) {
		t.Fatalf("writeMessage with exact room: outEnd %d of %d", a.outEnd, len(a.out))
	}
	// KeyUpdate on a full buffer blocks and changes nothing: no record,
	// no new write key.
	b, _ := connectedPair(t, TLS_AES_128_GCM_SHA256)
	b.outEnd = len(b.out) - 10
	secret, seq := b.wr.secret, b.wr.seq
	if err := b.KeyUpdate(false); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("KeyUpdate = %v, want ErrWouldBlock", err)
	}
	if b.outEnd != len(b.out)-10 || !bytes.Equal(b.wr.secret, secret) || b.wr.seq != seq {
		t.Fatal("a blocked KeyUpdate changed the connection")
	}
}

// TestWriteLeaseKeepsItsPlace: what happens between WriteLease and
// CommitWrite — the transport taking some or all of the queued output,
// the peer's KeyUpdate request, a fatal error — neither moves the lent
// plaintext nor writes over it.
func TestWriteLeaseKeepsItsPlace(t *testing.T) {
	read := func(b *Conn) string {
		var got []byte
		for {
			l, err := b.ReadLease()
			if err != nil {
				return string(got)
			}
			got = append(got, l...)
			b.Consume(len(l))
		}
	}
	for _, consumed := range []int{3, -1} { // part of the output, all of it
		a, b := connectedPair(t, TLS_AES_128_GCM_SHA256)
		a.Write([]byte("first"))
		queued := append([]byte(nil), a.OutputLease()...)
		lease, err := a.WriteLease()
		if err != nil {
			t.Fatal(err)
		}
		if consumed < 0 {
			consumed = len(queued)
		}
		a.ConsumeOutput(consumed)
		copy(lease, "second")
		a.CommitWrite(6)
		b.Input(queued[:consumed])
		move(t, a, b)
		if got := read(b); got != "firstsecond" || b.Err() != nil {
			t.Fatalf("consumed %d: got %q, %v", consumed, got, b.Err())
		}
	}

	// The peer asks for a KeyUpdate while the lease is out: the answer
	// follows the leased record.
	a, b := connectedPair(t, TLS_AES_128_GCM_SHA256)
	lease, _ := a.WriteLease()
	if err := b.sendKeyUpdate(true); err != nil {
		t.Fatal(err)
	}
	move(t, b, a)
	copy(lease, "third")
	a.CommitWrite(5)
	if a.kuPending {
		t.Fatal("the answer was not sent after CommitWrite")
	}
	move(t, a, b)
	a.Write([]byte("fourth"))
	move(t, a, b)
	if got := read(b); got != "thirdfourth" || b.Err() != nil || !bytes.Equal(a.wr.secret, b.rd.secret) {
		t.Fatalf("got %q, %v", got, b.Err())
	}

	// A fatal error while the lease is out: its alert goes out whole at
	// CommitWrite, the lease's data does not.
	a, b = connectedPair(t, TLS_AES_128_GCM_SHA256)
	lease, _ = a.WriteLease()
	a.Input([]byte{23, 3, 3, 0, 17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
	if !errors.Is(a.Err(), ErrBadRecordMAC) {
		t.Fatalf("Err = %v", a.Err())
	}
	copy(lease, "lost data")
	a.CommitWrite(9)
	b.Input(a.OutputLease())
	var e *Error
	if !errors.As(b.Err(), &e) || !e.Remote || e.Alert != AlertBadRecordMAC {
		t.Fatalf("peer got %v, want the bad_record_mac alert", b.Err())
	}
}
