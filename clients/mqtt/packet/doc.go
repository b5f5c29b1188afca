// Package packet encodes and decodes the control packets of MQTT 3.1.1
// (OASIS Standard, 2014) and MQTT 5.0 (OASIS Standard, 2019), sans I/O:
// bytes in, a decoded view out; a packet struct in, bytes appended to a
// caller's buffer out.
//
// Decoding is in place: Decode fills a caller-owned Packet whose byte
// slices (topics, payloads, properties, filters) point into the buffer it
// was given, and allocates nothing. Entries that repeat (user properties,
// subscription identifiers, a SUBSCRIBE's filters) are read with
// range-over-func iterators over the same bytes. Every rule of the
// encoding is enforced on input, which is untrusted: remaining-length and
// variable-byte-integer bounds and minimal encoding, reserved types and
// flags, string rules (well-formed UTF-8 with no U+0000, at most 65,535
// bytes), properties (known, allowed in the packet type, not repeated
// unless the specification lets them, values in range), reason codes
// allowed for the packet type, topic names versus topic filters, packet
// identifiers other than zero, and bodies that end where the remaining
// length says. Errors are Error values that errors.Is matches against
// their kind, ErrMalformed or ErrProtocol, and that name the 5.0 reason
// code (ReasonCode) a receiver reports them with.
//
// Encoding appends: each packet type has an Append method (and Size or
// Remaining where a caller needs the length first) that checks lengths
// but not string contents; ValidString, ValidTopicName and
// ValidTopicFilter check contents, once, where the strings come from.
// Reason codes are named constants (ReasonCode), and 3.1.1's CONNACK
// return codes translate to them with V311ConnackCode.
//
// Topic rules live here too: ValidTopicName, ValidTopicFilter,
// ValidSharedFilter and MatchTopic, including the rule that a filter
// starting with a wildcard does not match a topic starting with '$'.
//
// The package knows no session state: which packets a client or a server
// may receive, packet identifier bookkeeping, topic alias maps and flow
// control belong to the engine above (package mqtt). MQTT 3.1 (protocol
// level 3, "MQIsdp") is not supported.
package packet
