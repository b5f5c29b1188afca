package packet

// The parts SUBSCRIBE, SUBACK and UNSUBSCRIBE share: a packet identifier
// with (5.0) properties ahead of the payload, and for SUBSCRIBE and
// UNSUBSCRIBE a payload that is a list of topic filters, each followed
// in a SUBSCRIBE by its options byte (opts below).

// decodeIDProps checks the flags of packet type t and reads the packet
// identifier and, in 5.0, the properties. It returns false, having
// failed r, on bad flags or a zero identifier: the caller stops there.
// On other errors it returns true with r failed, and the caller goes on
// to reset its payload (reading r returns nothing once it failed).
func decodeIDProps(r *reader, t Type, flags uint8, v Version, id *uint16, props *Properties) bool {
	if flags != t.fixedFlags() {
		r.fail(ErrBadFlags)
		return false
	}
	*id = r.u16()
	if r.err == nil && *id == 0 {
		r.fail(ErrZeroPacketID)
		return false
	}
	if v == V5 {
		props.decode(r, int(t))
	} else {
		*props = Properties{}
	}
	return true
}

// checkFilters checks a filter list read in place: not empty, each
// filter a valid UTF-8 string and topic filter (5.0 also allows shared
// subscriptions), each options byte valid for v.
func checkFilters(r *reader, raw []byte, v Version, opts bool) {
	if len(raw) == 0 {
		r.fail(ErrNoPayload)
		return
	}
	e := reader{b: raw}
	for e.left() > 0 {
		f := e.str()
		var o SubOptions
		if opts {
			o = SubOptions(e.u8())
		}
		if e.err != nil {
			r.fail(e.err.(Error))
			return
		}
		if opts && !o.valid(v) {
			r.fail(ErrBadSubOptions)
			return
		}
		var err error
		if v == V5 {
			err = ValidSharedFilter(f)
		} else {
			err = ValidTopicFilter(f)
		}
		if err != nil {
			r.fail(ErrBadTopicFilter)
			return
		}
	}
}

// eachFilter calls yield for each filter of a checked list (and its
// options, or 0 without opts), in order, until it returns false.
func eachFilter(raw []byte, opts bool, yield func(filter []byte, o SubOptions) bool) {
	e := reader{b: raw}
	for e.left() > 0 && e.err == nil {
		f := e.bin()
		var o SubOptions
		if opts {
			o = SubOptions(e.u8())
		}
		if e.err != nil || !yield(f, o) {
			return
		}
	}
}
