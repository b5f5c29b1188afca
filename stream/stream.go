package stream

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// Conn is an open (or opening) byte stream, with tcp.Conn's contract:
// Read, ReadLease and Write answer tcp.ErrWouldBlock when they must wait
// for OnReadable or OnWritable; Read and ReadLease answer io.EOF once the
// peer has closed its side and everything before was read; a lease from
// ReadLease stays valid until Consume or the next read; every WriteLease
// ends with CommitWrite, even of 0 bytes.
type Conn interface {
	Read(p []byte) (int, error)
	ReadLease() ([]byte, error)
	Consume(n int)
	Buffered() int

	Write(p []byte) (int, error)
	WriteLease() (first, second []byte, err error)
	CommitWrite(n int)
	// SendQueued is what was written and is not yet acknowledged.
	SendQueued() int

	// CloseWrite sends the end of the stream and keeps reading; Close
	// ends both directions gracefully; Abort resets.
	CloseWrite() error
	Close() error
	Abort()
	// Release hands the stream back for good: it closes it as Close does
	// if its owner did not and finishes the close in the background. The
	// owner must not touch it afterwards.
	Release()
	// Err is why the stream closed: nil while open or after a graceful
	// close.
	Err() error

	// ConnectFuture completes when the stream can carry data (the TCP
	// handshake, and for TLS the TLS handshake too), or with the error
	// that stopped it.
	ConnectFuture() *reactor.Future[struct{}]
	OnReadable(f func())
	OnWritable(f func())
	OnPeerClosed(f func())
	OnClosed(f func(error))
}

// Dialer opens streams. serverName is the host name the caller was given
// (a URL's host, a broker's name), for TLS's SNI and host name check; a
// plain TCP dialer ignores it.
type Dialer interface {
	Dial(remote netip.AddrPort, serverName string) (Conn, error)
}

var _ Conn = (*tcp.Conn)(nil)
