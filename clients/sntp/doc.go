// Package sntp is an SNTPv4 client (RFC 4330) for legation's stack: it
// measures the offset between the reactor's clock and one of several NTP
// servers, and the round-trip delay, with the arithmetic of RFC 5905
// section 8:
//
//	offset = ((T2 - T1) + (T3 - T4)) / 2
//	delay  = (T4 - T1) - (T3 - T2)
//
// where T1 and T4 are the reactor's instants when the request left and the
// reply arrived, and T2 and T3 the server's receive and transmit
// timestamps.
//
// The client is a reactor task with a start-then-result API: Sync starts a
// round and returns a future of its Result; Start polls periodically (64 s
// by default, never more often than every 16 s, randomised so that devices
// booted together do not poll together). A round asks the preferred server
// first and fails over to the next on timeout or refusal; every request is
// retransmitted with randomised exponential backoff. The application reads
// the time through a Clock handle: UTC and OffsetMicros, like oveRTOS's
// sntp_get_utc and sntp_get_offset_us, safe from any goroutine.
//
// Every reply is checked before it is believed. The request's transmit
// timestamp is 64 random bits, not the client's clock, and a reply whose
// origin timestamp does not echo them is dropped as spoofed or stale
// (ErrBadOrigin if nothing better comes). A reply must be mode 4 (server),
// version 3 or 4, with non-zero receive and transmit timestamps
// (ErrBadReply), a leap indicator other than 3 (ErrUnsynchronised) and a
// stratum of 1 to 15 (ErrStratum). Stratum 0 is a kiss-o'-death: RATE
// doubles the poll interval, DENY and RSTR stop the client from ever asking
// that server again, and the round moves on to the next server.
//
// Timestamps past 2036 (NTP era 1) are placed in the era nearest the
// reactor's clock, or, when that clock reads earlier than Config.EraFloor
// (a device without a real-time clock, booting at 1970), in the 136 years
// from the floor on.
//
// What it does not do: it does not set any clock (the Clock handle carries
// the offset; nothing steps or slews the host), it does not filter or
// combine samples from several servers as full NTP does, and it does not
// authenticate (no symmetric keys, no NTS). One query is in flight at a
// time.
package sntp
