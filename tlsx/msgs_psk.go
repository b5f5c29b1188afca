package tlsx

import "golang.org/x/crypto/cryptobyte"

// pskIdentity is one PskIdentity of a ClientHello's pre_shared_key
// extension: the ticket as the server issued it and its obfuscated age.
type pskIdentity struct {
	label         []byte
	obfuscatedAge uint32
}

// addPSKExtClient appends the ClientHello form of pre_shared_key (section
// 4.2.11) with all-zero binders of the given lengths; the caller fills them
// in with putBinders once the truncated hello can be hashed. It must be the
// last extension.
func addPSKExtClient(b *cryptobyte.Builder, ids []pskIdentity, binderLens []int) {
	b.AddUint16(extPreSharedKey)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, id := range ids {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(id.label) })
				b.AddUint32(id.obfuscatedAge)
			}
		})
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, l := range binderLens {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, l)) })
			}
		})
	})
}

// bindersLen is the length of the binders list (its 2-byte length
// included) for binders of these lengths: the part of the ClientHello that
// the binders do not cover.
func bindersLen(binderLens ...int) int {
	n := 2
	for _, l := range binderLens {
		n += 1 + l
	}
	return n
}

// truncatedHello is the ClientHello (header included) without its binders
// list, which ends it; binders are as parsePSKExtClient returned them.
func truncatedHello(ch []byte, binders [][]byte) ([]byte, bool) {
	n := 2
	for _, b := range binders {
		n += 1 + len(b)
	}
	if n > len(ch) {
		return nil, false
	}
	return ch[:len(ch)-n], true
}

// putBinders writes the binders into the tail of a ClientHello built by
// addPSKExtClient with the same lengths.
func putBinders(ch []byte, binders [][]byte) {
	lens := make([]int, len(binders))
	for i, b := range binders {
		lens[i] = len(b)
	}
	off := len(ch) - bindersLen(lens...) + 2
	for _, b := range binders {
		ch[off] = byte(len(b))
		off += 1 + copy(ch[off+1:], b)
	}
}

// parsePSKExtClient parses the body of a ClientHello's pre_shared_key
// extension. The slices point into data. It refuses empty lists, a count
// mismatch and binders outside 32..255 bytes.
func parsePSKExtClient(data []byte) (ids []pskIdentity, binders [][]byte, ok bool) {
	s := cryptobyte.String(data)
	var idList, binderList cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&idList) || !s.ReadUint16LengthPrefixed(&binderList) || !s.Empty() ||
		idList.Empty() {
		return nil, nil, false
	}
	for !idList.Empty() {
		var id pskIdentity
		if !idList.ReadUint16LengthPrefixed((*cryptobyte.String)(&id.label)) || len(id.label) == 0 ||
			!idList.ReadUint32(&id.obfuscatedAge) {
			return nil, nil, false
		}
		ids = append(ids, id)
	}
	for !binderList.Empty() {
		var b []byte
		if !binderList.ReadUint8LengthPrefixed((*cryptobyte.String)(&b)) || len(b) < 32 {
			return nil, nil, false
		}
		binders = append(binders, b)
	}
	if len(binders) != len(ids) {
		return nil, nil, false
	}
	return ids, binders, true
}

// addPSKExtServer appends the ServerHello form of pre_shared_key: the
// index of the identity the server accepted.
func addPSKExtServer(b *cryptobyte.Builder, selected uint16) {
	b.AddUint16(extPreSharedKey)
	b.AddUint16(2)
	b.AddUint16(selected)
}

// parsePSKExtServer parses the body of a ServerHello's pre_shared_key.
func parsePSKExtServer(data []byte) (selected uint16, ok bool) {
	s := cryptobyte.String(data)
	if !s.ReadUint16(&selected) || !s.Empty() {
		return 0, false
	}
	return selected, true
}

// addPSKModesExt appends psk_key_exchange_modes offering psk_dhe_ke only.
func addPSKModesExt(b *cryptobyte.Builder) {
	b.AddUint16(extPSKModes)
	b.AddUint16(2)
	b.AddUint8(1)
	b.AddUint8(pskModeDHE)
}

// parsePSKModes parses the body of psk_key_exchange_modes and reports
// whether psk_dhe_ke is among the modes.
func parsePSKModes(data []byte) (dhe bool, ok bool) {
	s := cryptobyte.String(data)
	var modes cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&modes) || !s.Empty() || modes.Empty() {
		return false, false
	}
	for _, m := range modes {
		dhe = dhe || m == pskModeDHE
	}
	return dhe, true
}
