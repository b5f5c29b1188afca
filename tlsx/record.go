package tlsx

// process handles complete records in in[inStart:inEnd] until one leaves
// application data to read, the data runs out, or an error ends the
// connection. Unprotected handshake records are handled as their bytes
// arrive (streamRaw): only protected records must fit the buffer whole.
func (c *Conn) process() {
	for c.err == nil && c.plainEnd == c.plainOff && !c.peerClosed {
		if c.rawLeft > 0 {
			if !c.streamRaw() {
				return
			}
			continue
		}
		avail := c.inEnd - c.inStart
		if avail < recordHeaderLen {
			return
		}
		h := c.in[c.inStart : c.inStart+recordHeaderLen]
		typ := h[0]
		n := int(h[3])<<8 | int(h[4])
		if h[1] != 3 {
			c.fail(newError(KindDecode, AlertDecodeError, nil))
			return
		}
		if typ == contentHandshake && c.rd.aead == nil {
			if n > maxPlaintext {
				c.fail(newError(KindRecordOverflow, AlertRecordOverflow, nil))
				return
			}
			if n == 0 {
				c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
				return
			}
			c.inStart += recordHeaderLen
			c.rawLeft = n
			continue
		}
		// Protected records are bound by the record_size_limit we
		// advertised (RFC 8449), whose buffer holds one exactly; the
		// unprotected ones left (alerts, change_cipher_spec) are tiny.
		limit := maxPlaintext
		if c.rd.aead != nil {
			limit = c.recvLimit + aeadOverheadBytes
		}
		if n > limit || recordHeaderLen+n > len(c.in) {
			c.fail(newError(KindRecordOverflow, AlertRecordOverflow, nil))
			return
		}
		if avail < recordHeaderLen+n {
			return
		}
		start := c.inStart
		c.inStart += recordHeaderLen + n
		c.record(typ, start, n)
	}
}

// streamRaw hands what has arrived of an unprotected handshake record to
// handshake reassembly, and reports whether there was any.
func (c *Conn) streamRaw() bool {
	k := min(c.rawLeft, c.inEnd-c.inStart)
	if k == 0 {
		return false
	}
	off := c.inStart
	c.inStart += k
	c.rawLeft -= k
	c.handshakeBytes(c.in[off : off+k])
	if c.err == nil && c.rdChanged && c.rawLeft > 0 {
		// A key change must end the record (RFC 8446 section 5.1).
		c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
	}
	return true
}

// record handles one record whose header is at in[start:] and whose body
// is n bytes long.
func (c *Conn) record(typ byte, start, n int) {
	body := c.in[start+recordHeaderLen : start+recordHeaderLen+n]
	if typ == contentCCS {
		// Middlebox compatibility (RFC 8446 appendix D.4): one byte
		// 0x01, unprotected, only while handshaking.
		if c.complete || n != 1 || body[0] != 1 {
			c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
		}
		return
	}
	if c.rd.aead == nil || (typ == contentAlert && !c.complete) {
		// Before the ServerHello everything is plaintext; a server that
		// fails early may also send a plaintext alert.
		if typ != contentHandshake && typ != contentAlert {
			c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
			return
		}
		if typ == contentHandshake && c.rd.aead != nil {
			c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
			return
		}
		if n > maxPlaintext {
			c.fail(newError(KindRecordOverflow, AlertRecordOverflow, nil))
			return
		}
		c.content(typ, start+recordHeaderLen, n)
		return
	}
	if typ != contentAppData {
		c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
		return
	}
	hdr := c.in[start : start+recordHeaderLen]
	pt, err := c.rd.aead.Open(body[:0], c.rd.nextNonce(), body, hdr)
	if err != nil {
		c.fail(newError(KindBadRecordMAC, AlertBadRecordMAC, nil))
		return
	}
	// Strip the zero padding; the last non-zero byte is the real type.
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
		return
	}
	if i > maxPlaintext {
		c.fail(newError(KindRecordOverflow, AlertRecordOverflow, nil))
		return
	}
	c.content(pt[i], start+recordHeaderLen, i)
}

// content dispatches n bytes of plaintext at in[off:] of type typ.
func (c *Conn) content(typ byte, off, n int) {
	p := c.in[off : off+n]
	switch typ {
	case contentHandshake:
		if n == 0 {
			c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
			return
		}
		c.handshakeBytes(p)
	case contentAlert:
		if n != 2 {
			c.fail(newError(KindDecode, AlertDecodeError, nil))
			return
		}
		a := Alert(p[1])
		if a == AlertCloseNotify {
			c.peerClosed = true
			return
		}
		if a == AlertUserCanceled {
			return // a warning; a close or fatal alert should follow
		}
		c.fail(&Error{Kind: KindPeerAlert, Alert: a, Remote: true})
	case contentAppData:
		if !c.complete {
			c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
			return
		}
		c.plainOff, c.plainEnd = off, off+n
	default:
		c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
	}
}

// handshakeBytes reassembles handshake messages and hands each whole one
// to the state machine.
func (c *Conn) handshakeBytes(p []byte) {
	c.rdChanged = false
	if len(c.hsBuf) == 0 && len(p) >= 4 {
		// Fast path: whole messages in this record need no copy.
		for len(p) >= 4 {
			l := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
			if len(p) < 4+l {
				break
			}
			c.dispatchHandshake(p[:4+l])
			if c.err != nil {
				return
			}
			p = p[4+l:]
			if c.rdChanged && len(p) > 0 {
				c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
				return
			}
		}
	}
	if len(p) == 0 {
		return
	}
	c.hsBuf = append(c.hsBuf, p...)
	for c.err == nil && len(c.hsBuf) >= 4 {
		l := int(c.hsBuf[1])<<16 | int(c.hsBuf[2])<<8 | int(c.hsBuf[3])
		if l > c.maxHS {
			c.fail(newError(KindDecode, AlertDecodeError, nil))
			return
		}
		if len(c.hsBuf) < 4+l {
			return
		}
		msg := c.hsBuf[:4+l]
		c.dispatchHandshake(msg)
		rest := copy(c.hsBuf, c.hsBuf[4+l:])
		c.hsBuf = c.hsBuf[:rest]
		if c.rdChanged && rest > 0 {
			c.fail(newError(KindUnexpectedMessage, AlertUnexpectedMessage, nil))
			return
		}
	}
	if len(c.hsBuf) == 0 && c.complete {
		// A post-handshake message came in pieces: do not keep the
		// space for the connection's lifetime.
		c.hsBuf = nil
	}
}
