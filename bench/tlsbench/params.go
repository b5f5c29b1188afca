package tlsbench

import (
	"crypto/tls"

	"github.com/seed947b3480/legation/tlsx"
)

// group is a key exchange group under both implementations' names.
type group struct {
	name  string
	tlsx  tlsx.Group
	curve tls.CurveID
}

// groups are the handshake benchmark's key exchanges. crypto/tls offers
// only the group named in CurvePreferences, which is what keeps it off its
// default hybrid X25519MLKEM768 (Go 1.24) and SecP256r1MLKEM768 (Go 1.26);
// tlsx is told to offer one group too, so each client makes one key share.
var groups = []group{
	{"X25519", tlsx.X25519, tls.X25519},
	{"P-256", tlsx.P256, tls.CurveP256},
}

// suite is a TLS 1.3 cipher suite under its short name.
type suite struct {
	name string
	id   uint16
}

var suites = []suite{
	{"AES128GCM", tlsx.TLS_AES_128_GCM_SHA256},
	{"AES256GCM", tlsx.TLS_AES_256_GCM_SHA384},
	{"CHACHA20", tlsx.TLS_CHACHA20_POLY1305_SHA256},
}

// certKinds are the server certificates of the handshake benchmark.
var certKinds = []certKind{certECDSA, certRSA}

// recordSize is the bulk benchmark's plaintext per record: a full TLS
// record (RFC 8446 section 5.1).
const recordSize = 16 << 10
