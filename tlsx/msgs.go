package tlsx

import (
	"net/netip"

	"golang.org/x/crypto/cryptobyte"
)

// Handshake message types (RFC 8446 section 4).
const (
	typeClientHello         = 1
	typeServerHello         = 2
	typeNewSessionTicket    = 4
	typeEncryptedExtensions = 8
	typeCertificate         = 11
	typeCertificateRequest  = 13
	typeCertificateVerify   = 15
	typeFinished            = 20
	typeKeyUpdate           = 24
)

// Extension numbers.
const (
	extServerName          = 0
	extSupportedGroups     = 10
	extSignatureAlgorithms = 13
	extALPN                = 16
	extRecordSizeLimit     = 28
	extSessionTicket       = 35
	extPreSharedKey        = 41
	extSupportedVersions   = 43
	extCookie              = 44
	extPSKModes            = 45
	extKeyShare            = 51
	extRenegotiationInfo   = 0xff01
)

// Signature schemes (RFC 8446 section 4.2.3) tlsx verifies.
const (
	sigECDSAP256SHA256 uint16 = 0x0403
	sigECDSAP384SHA384 uint16 = 0x0503
	sigECDSAP521SHA512 uint16 = 0x0603
	sigRSAPSSRSAE256   uint16 = 0x0804
	sigRSAPSSRSAE384   uint16 = 0x0805
	sigRSAPSSRSAE512   uint16 = 0x0806
	sigEd25519         uint16 = 0x0807
)

var defaultSigAlgs = []uint16{
	sigECDSAP256SHA256, sigECDSAP384SHA384, sigECDSAP521SHA512, sigEd25519,
	sigRSAPSSRSAE256, sigRSAPSSRSAE384, sigRSAPSSRSAE512,
}

const versionTLS13 = 0x0304

// helloRetryRandom is SHA-256("HelloRetryRequest") (section 4.1.3).
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// helloShape is what a ClientHello advertises beyond its key shares.
type helloShape struct {
	suites            []uint16
	groups            []uint16 // supported_groups; key shares come from Config.Groups
	sigAlgs           []uint16
	renegotiationInfo bool
	sessionTicket     bool
	pskModes          bool
	recordSizeLimit   uint16
	padding           bool // RFC 7685: keep the ClientHello out of 256..511 bytes
}

type keyShare struct {
	group Group
	pub   []byte
}

// marshalClientHello builds the ClientHello message, header included. The
// extension order is the one of the RFC 8448 trace.
func marshalClientHello(random []byte, shape *helloShape, serverName string, alpn []string, shares []keyShare) []byte {
	return marshalClientHelloExt(random, shape, serverName, alpn, shares, nil)
}

// helloExtras are the parts of a ClientHello that vary per connection
// beyond its shares: a HelloRetryRequest's cookie, RFC 7685 padding and
// the PSK offer (binders zeroed, filled in by the caller).
type helloExtras struct {
	cookie     []byte
	padding    int // bytes of padding extension body; <0 means none
	pskIDs     []pskIdentity
	binderLens []int
}

func marshalClientHelloExt(random []byte, shape *helloShape, serverName string, alpn []string, shares []keyShare, x *helloExtras) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeClientHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(random)
		b.AddUint8(0) // empty legacy_session_id
		addUint16List(b, shape.suites)
		b.AddUint8(1)
		b.AddUint8(0)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			if serverName != "" {
				if _, err := netip.ParseAddr(serverName); err != nil {
					b.AddUint16(extServerName)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
							b.AddUint8(0) // host_name
							b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
								b.AddBytes([]byte(serverName))
							})
						})
					})
				}
			}
			if shape.renegotiationInfo {
				b.AddUint16(extRenegotiationInfo)
				b.AddUint16(1)
				b.AddUint8(0)
			}
			b.AddUint16(extSupportedGroups)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { addUint16List(b, shape.groups) })
			if shape.sessionTicket {
				b.AddUint16(extSessionTicket)
				b.AddUint16(0)
			}
			b.AddUint16(extKeyShare)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					for _, ks := range shares {
						b.AddUint16(uint16(ks.group))
						b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(ks.pub) })
					}
				})
			})
			b.AddUint16(extSupportedVersions)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(versionTLS13) })
			})
			b.AddUint16(extSignatureAlgorithms)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { addUint16List(b, shape.sigAlgs) })
			if len(alpn) > 0 {
				b.AddUint16(extALPN)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						for _, p := range alpn {
							b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(p)) })
						}
					})
				})
			}
			if shape.pskModes {
				b.AddUint16(extPSKModes)
				b.AddUint16(2)
				b.AddUint8(1)
				b.AddUint8(1) // psk_dhe_ke
			}
			if shape.recordSizeLimit != 0 {
				b.AddUint16(extRecordSizeLimit)
				b.AddUint16(2)
				b.AddUint16(shape.recordSizeLimit)
			}
			if x != nil && x.cookie != nil {
				b.AddUint16(extCookie)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(x.cookie) })
				})
			}
			if x != nil && x.padding >= 0 {
				b.AddUint16(extPadding)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, x.padding)) })
			}
			if x != nil && len(x.pskIDs) > 0 {
				addPSKExtClient(b, x.pskIDs, x.binderLens) // last (section 4.2.11)
			}
		})
	})
	return b.BytesOrPanic()
}

type serverHello struct {
	random    []byte
	sessionID []byte
	suite     uint16
	version   uint16 // from supported_versions; 0 when absent (TLS 1.2 or older)
	group     Group
	share     []byte
	hasShare  bool
	hasPSK    bool
	otherExt  bool // an extension a TLS 1.3 ServerHello may not carry
	// selectedPSK is pre_shared_key's selected_identity when hasPSK.
	selectedPSK uint16
	// hasGroup says key_share was present (in a HelloRetryRequest it
	// carries only the selected group); cookie is a retry's cookie.
	hasGroup bool
	cookie   []byte
}

// parseServerHello parses a ServerHello body (no 4-byte header).
func parseServerHello(body []byte) (*serverHello, bool) {
	s := cryptobyte.String(body)
	var m serverHello
	var legacy uint16
	var comp uint8
	var exts cryptobyte.String
	if !s.ReadUint16(&legacy) || !s.ReadBytes(&m.random, 32) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&m.sessionID)) ||
		!s.ReadUint16(&m.suite) || !s.ReadUint8(&comp) {
		return nil, false
	}
	if s.Empty() {
		return &m, true // TLS 1.2-style hello without extensions
	}
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, false
	}
	seen := map[uint16]bool{}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, false
		}
		if seen[typ] {
			return nil, false
		}
		seen[typ] = true
		switch typ {
		case extSupportedVersions:
			if !data.ReadUint16(&m.version) || !data.Empty() {
				return nil, false
			}
		case extKeyShare:
			var g uint16
			if !data.ReadUint16(&g) {
				return nil, false
			}
			m.group, m.hasGroup = Group(g), true
			if data.Empty() {
				// HelloRetryRequest form: selected_group only.
				break
			}
			if !data.ReadUint16LengthPrefixed((*cryptobyte.String)(&m.share)) || !data.Empty() || len(m.share) == 0 {
				return nil, false
			}
			m.hasShare = true
		case extPreSharedKey:
			sel, ok := parsePSKExtServer(data)
			if !ok {
				return nil, false
			}
			m.hasPSK, m.selectedPSK = true, sel
		case extCookie:
			if !data.ReadUint16LengthPrefixed((*cryptobyte.String)(&m.cookie)) || !data.Empty() || len(m.cookie) == 0 {
				return nil, false
			}
		default:
			m.otherExt = true
		}
	}
	return &m, true
}

type encryptedExtensions struct {
	alpn            string
	hasALPN         bool
	recordSizeLimit uint16
	unsolicited     bool
}

func parseEncryptedExtensions(body []byte) (*encryptedExtensions, bool) {
	s := cryptobyte.String(body)
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, false
	}
	var m encryptedExtensions
	seen := map[uint16]bool{}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, false
		}
		if seen[typ] {
			return nil, false
		}
		seen[typ] = true
		switch typ {
		case extALPN:
			var list, proto cryptobyte.String
			if !data.ReadUint16LengthPrefixed(&list) || !data.Empty() ||
				!list.ReadUint8LengthPrefixed(&proto) || !list.Empty() || len(proto) == 0 {
				return nil, false
			}
			m.alpn, m.hasALPN = string(proto), true
		case extRecordSizeLimit:
			if !data.ReadUint16(&m.recordSizeLimit) || !data.Empty() {
				return nil, false
			}
		case extServerName:
			if !data.Empty() {
				return nil, false
			}
		case extSupportedGroups:
			// Allowed (section 4.2.7) and informational only.
		default:
			m.unsolicited = true
		}
	}
	return &m, true
}

// parseCertificate parses a Certificate body into its request context and
// the cert_data of each entry (slices of body).
func parseCertificate(body []byte) (ctx []byte, certs [][]byte, ok bool) {
	s := cryptobyte.String(body)
	var list cryptobyte.String
	if !s.ReadUint8LengthPrefixed((*cryptobyte.String)(&ctx)) || !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, nil, false
	}
	for !list.Empty() {
		var cert, exts cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&cert) || len(cert) == 0 || !list.ReadUint16LengthPrefixed(&exts) {
			return nil, nil, false
		}
		certs = append(certs, cert)
	}
	return ctx, certs, true
}

func parseCertificateVerify(body []byte) (alg uint16, sig []byte, ok bool) {
	s := cryptobyte.String(body)
	if !s.ReadUint16(&alg) || !s.ReadUint16LengthPrefixed((*cryptobyte.String)(&sig)) || !s.Empty() || len(sig) == 0 {
		return 0, nil, false
	}
	return alg, sig, true
}

type newSessionTicket struct {
	lifetime, ageAdd uint32
	nonce, ticket    []byte
}

func parseNewSessionTicket(body []byte) (*newSessionTicket, bool) {
	s := cryptobyte.String(body)
	var m newSessionTicket
	var exts cryptobyte.String
	if !s.ReadUint32(&m.lifetime) || !s.ReadUint32(&m.ageAdd) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&m.nonce)) ||
		!s.ReadUint16LengthPrefixed((*cryptobyte.String)(&m.ticket)) || len(m.ticket) == 0 ||
		!s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, false
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, false
		}
	}
	return &m, true
}
