// Package demontp is the loopback demos' NTP server, run on the peer stack
// so examples that sync a clock work with no set-up.
package demontp

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// Serve runs a minimal NTP server on UDP port 123 of s for the loopback
// demo: it answers every client-mode request with the stack's clock plus
// offset, as a stratum-8 server on its own local clock (like chrony's
// `local stratum 8`). It is a demo peer, not a server to deploy: it has no
// rate limiting and claims a synchronisation it does not have.
func Serve(s *stack.Stack, offset time.Duration) error {
	sock := s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, wire.NTPPort)); err != nil {
		return err
	}
	var out [wire.NTPHeaderLen]byte
	sock.OnReadable(func() {
		for {
			from, p, ok := sock.Peek()
			if !ok {
				return
			}
			if req, err := wire.NewNTPPacket(p); err == nil && req.Mode() == wire.NTPModeClient {
				now := wire.NTPTimestampFromUnixNano(int64(s.Now().Add(offset)))
				r := wire.NTPRepr{
					Version: req.Version(), Mode: wire.NTPModeServer, Stratum: 8,
					Poll: req.Poll(), Precision: -20, ReferenceID: [4]byte{127, 127, 1, 1},
					ReferenceTime: now, OriginTime: req.TransmitTime(), ReceiveTime: now, TransmitTime: now,
				}
				r.Emit(out[:])
				// A reply that finds the send ring full is dropped: the
				// client retransmits.
				_ = sock.SendTo(out[:], from)
			}
			sock.Discard()
		}
	})
	return nil
}
