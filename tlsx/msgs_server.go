package tlsx

import (
	"golang.org/x/crypto/cryptobyte"
)

// Bounds on what a ClientHello may carry. Real clients send about twenty
// extensions and two or three key shares; the caps keep the server's
// per-hello work (duplicate checks, HelloRetryRequest comparison) small
// whatever an attacker sends.
const (
	maxHelloExtensions = 64
	maxHelloShares     = 16
	maxPSKIdentities   = 16
)

// Extensions seen only in a ClientHello.
const (
	extEarlyData = 42
	extPadding   = 21
)

type helloExt struct {
	typ  uint16
	data []byte
}

// clientHelloMsg is a parsed ClientHello. Slices point into the message,
// which lives only as long as the record buffer holds it.
type clientHelloMsg struct {
	raw         []byte // whole message, header included
	version     uint16
	random      []byte
	sessionID   []byte
	suites      []uint16
	exts        []helloExt
	serverName  string
	groups      []uint16
	sigAlgs     []uint16
	alpn        []string
	hasALPN     bool
	versions    []uint16
	shares      []keyShare
	hasShares   bool
	pskModes    []byte
	identities  []pskIdentity
	binders     [][]byte
	cookie      []byte
	hasCookie   bool
	earlyData   bool
	sizeLimit   uint16
	hasSizeLim  bool
	hasSigAlgs  bool
	hasGroups   bool
	hasPSK      bool
	hasPSKModes bool
}

// helloErr is a ClientHello that parsed as bytes but breaks a rule.
func helloErr(k Kind, a Alert) *Error { return newError(k, a, nil) }

func readUint16List(s *cryptobyte.String, out *[]uint16) bool {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || len(list)%2 != 0 {
		return false
	}
	*out = make([]uint16, 0, len(list)/2)
	for !list.Empty() {
		var v uint16
		list.ReadUint16(&v)
		*out = append(*out, v)
	}
	return true
}

// parseClientHello parses a ClientHello message (4-byte header included)
// strictly: any malformation is a decode_error, a well-formed hello that
// breaks a TLS 1.3 rule is an illegal_parameter.
func parseClientHello(msg []byte) (*clientHelloMsg, *Error) {
	decode := helloErr(KindDecode, AlertDecodeError)
	if len(msg) < 4 || msg[0] != typeClientHello {
		return nil, decode
	}
	m := &clientHelloMsg{raw: msg}
	s := cryptobyte.String(msg[4:])
	var suites, comp, exts cryptobyte.String
	if !s.ReadUint16(&m.version) || !s.ReadBytes(&m.random, 32) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&m.sessionID)) || len(m.sessionID) > 32 ||
		!s.ReadUint16LengthPrefixed(&suites) || len(suites) == 0 || len(suites)%2 != 0 ||
		!s.ReadUint8LengthPrefixed(&comp) || len(comp) == 0 {
		return nil, decode
	}
	m.suites = make([]uint16, 0, len(suites)/2)
	for !suites.Empty() {
		var v uint16
		suites.ReadUint16(&v)
		m.suites = append(m.suites, v)
	}
	if s.Empty() {
		// No extensions at all: an SSL 3.0-era hello, never TLS 1.3.
		return nil, helloErr(KindProtocolVersion, AlertProtocolVersion)
	}
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, decode
	}
	// TLS 1.3 allows only the null compression method (section 4.1.2).
	if len(comp) != 1 || comp[0] != 0 {
		return nil, helloErr(KindIllegalParameter, AlertIllegalParameter)
	}
	for !exts.Empty() {
		if m.hasPSK {
			// pre_shared_key must be the last extension (section 4.2.11).
			return nil, helloErr(KindIllegalParameter, AlertIllegalParameter)
		}
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, decode
		}
		if len(m.exts) == maxHelloExtensions {
			return nil, decode
		}
		for _, e := range m.exts {
			if e.typ == typ {
				return nil, helloErr(KindIllegalParameter, AlertIllegalParameter)
			}
		}
		m.exts = append(m.exts, helloExt{typ, data})
		if !m.parseExt(typ, data) {
			return nil, decode
		}
	}
	return m, nil
}

// parseExt parses one extension.
func (m *clientHelloMsg) parseExt(typ uint16, data cryptobyte.String) bool {
	switch typ {
	case extServerName:
		var list, name cryptobyte.String
		var nameType uint8
		if !data.ReadUint16LengthPrefixed(&list) || !data.Empty() {
			return false
		}
		for !list.Empty() {
			if !list.ReadUint8(&nameType) || !list.ReadUint16LengthPrefixed(&name) {
				return false
			}
			if nameType != 0 {
				continue
			}
			if m.serverName != "" || len(name) == 0 || len(name) > 255 {
				return false
			}
			for _, b := range name {
				if b <= ' ' || b >= 0x7f {
					return false
				}
			}
			m.serverName = string(name)
		}
	case extSupportedGroups:
		m.hasGroups = true
		return readUint16List(&data, &m.groups) && data.Empty() && len(m.groups) > 0
	case extSignatureAlgorithms:
		m.hasSigAlgs = true
		return readUint16List(&data, &m.sigAlgs) && data.Empty() && len(m.sigAlgs) > 0
	case extALPN:
		var list cryptobyte.String
		if !data.ReadUint16LengthPrefixed(&list) || !data.Empty() || list.Empty() {
			return false
		}
		m.hasALPN = true
		for !list.Empty() {
			var p cryptobyte.String
			if !list.ReadUint8LengthPrefixed(&p) || len(p) == 0 {
				return false
			}
			m.alpn = append(m.alpn, string(p))
		}
	case extSupportedVersions:
		var list cryptobyte.String
		if !data.ReadUint8LengthPrefixed(&list) || !data.Empty() || len(list) == 0 || len(list)%2 != 0 {
			return false
		}
		for !list.Empty() {
			var v uint16
			list.ReadUint16(&v)
			m.versions = append(m.versions, v)
		}
	case extKeyShare:
		var list cryptobyte.String
		if !data.ReadUint16LengthPrefixed(&list) || !data.Empty() {
			return false
		}
		m.hasShares = true
		for !list.Empty() {
			var g uint16
			var pub cryptobyte.String
			if !list.ReadUint16(&g) || !list.ReadUint16LengthPrefixed(&pub) || len(pub) == 0 {
				return false
			}
			if len(m.shares) == maxHelloShares {
				return false
			}
			m.shares = append(m.shares, keyShare{Group(g), pub})
		}
	case extPSKModes:
		if !data.ReadUint8LengthPrefixed((*cryptobyte.String)(&m.pskModes)) || !data.Empty() || len(m.pskModes) == 0 {
			return false
		}
		m.hasPSKModes = true
	case extCookie:
		if !data.ReadUint16LengthPrefixed((*cryptobyte.String)(&m.cookie)) || !data.Empty() || len(m.cookie) == 0 {
			return false
		}
		m.hasCookie = true
	case extEarlyData:
		if !data.Empty() {
			return false
		}
		m.earlyData = true
	case extRecordSizeLimit:
		if !data.ReadUint16(&m.sizeLimit) || !data.Empty() {
			return false
		}
		m.hasSizeLim = true
	case extPreSharedKey:
		var ok bool
		m.identities, m.binders, ok = parsePSKExtClient(data)
		if !ok || len(m.identities) > maxPSKIdentities {
			return false
		}
		m.hasPSK = true
	}
	return true
}

// ext returns the raw data of extension typ and whether it was present.
func (m *clientHelloMsg) ext(typ uint16) ([]byte, bool) {
	for _, e := range m.exts {
		if e.typ == typ {
			return e.data, true
		}
	}
	return nil, false
}

// serverHelloFields is what the server puts in a ServerHello or a
// HelloRetryRequest.
type serverHelloFields struct {
	random    []byte
	sessionID []byte
	suite     uint16
	group     Group
	share     []byte // nil in a HelloRetryRequest
	psk       bool
	pskIndex  uint16
	cookie    []byte
}

// marshalServerHello builds a ServerHello (or, with share nil and the
// special random, a HelloRetryRequest), header included.
func marshalServerHello(f *serverHelloFields) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeServerHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(f.random)
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(f.sessionID) })
		b.AddUint16(f.suite)
		b.AddUint8(0)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(extSupportedVersions)
			b.AddUint16(2)
			b.AddUint16(versionTLS13)
			b.AddUint16(extKeyShare)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16(uint16(f.group))
				if f.share != nil {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(f.share) })
				}
			})
			if len(f.cookie) > 0 {
				b.AddUint16(extCookie)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(f.cookie) })
				})
			}
			if f.psk {
				addPSKExtServer(b, f.pskIndex)
			}
		})
	})
	return b.BytesOrPanic()
}

// marshalEncryptedExtensions builds EncryptedExtensions with the chosen
// ALPN protocol and our record_size_limit, each only when non-zero.
func marshalEncryptedExtensions(alpn string, sizeLimit uint16) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeEncryptedExtensions)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			if alpn != "" {
				b.AddUint16(extALPN)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(alpn)) })
					})
				})
			}
			if sizeLimit != 0 {
				b.AddUint16(extRecordSizeLimit)
				b.AddUint16(2)
				b.AddUint16(sizeLimit)
			}
		})
	})
	return b.BytesOrPanic()
}

// marshalCertificateMsg builds a Certificate message with an empty
// request context (a server's, or a client's answer to a request with an
// empty context).
func marshalCertificateMsg(ctx []byte, chain [][]byte) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeCertificate)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(ctx) })
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, der := range chain {
				b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(der) })
				b.AddUint16(0) // no per-certificate extensions
			}
		})
	})
	return b.BytesOrPanic()
}

func marshalCertificateVerify(scheme uint16, sig []byte) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeCertificateVerify)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(scheme)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(sig) })
	})
	return b.BytesOrPanic()
}

// marshalCertificateRequest builds a CertificateRequest with an empty
// context, the signature schemes we verify and, when given, the DER
// subjects of acceptable CAs.
func marshalCertificateRequest(sigAlgs []uint16, cas [][]byte) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeCertificateRequest)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(0)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(extSignatureAlgorithms)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { addUint16List(b, sigAlgs) })
			if len(cas) > 0 {
				b.AddUint16(extCertificateAuthorities)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						for _, dn := range cas {
							b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(dn) })
						}
					})
				})
			}
		})
	})
	return b.BytesOrPanic()
}

const extCertificateAuthorities = 47

func marshalNewSessionTicket(lifetime, ageAdd uint32, nonce, ticket []byte) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeNewSessionTicket)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint32(lifetime)
		b.AddUint32(ageAdd)
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(nonce) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(ticket) })
		b.AddUint16(0)
	})
	return b.BytesOrPanic()
}
