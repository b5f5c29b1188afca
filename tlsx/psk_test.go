package tlsx

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// RFC 8448 section 4, "Resumed 0-RTT Handshake": the ClientHello up to
// (not including) its binders list, and the values the key schedule must
// reproduce from the section 3 resumption master secret.
const rfc8448ResumedHelloPrefix = `
010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d9500000613011303130201
0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400
3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b00
03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c
00024001001500570000000000000000000000000000000000000000000000000000000000000000000000000000000000
00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002900
dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2
be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3664d4e6d
a4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617
646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb`

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPSKScheduleRFC8448(t *testing.T) {
	tr := loadTrace(t)
	s := suiteByID(TLS_AES_128_GCM_SHA256)
	check := func(name string, got []byte, want string) {
		t.Helper()
		if w := unhex(t, want); !bytes.Equal(got, w) {
			t.Errorf("%s = %x, want %x", name, got, w)
		}
	}
	// The section 3 NewSessionTicket: lifetime 30 s, age_add fad6aac5,
	// nonce 00 00.
	nst := &newSessionTicket{ageAdd: 0xfad6aac5, nonce: []byte{0, 0}}
	psk := resumptionPSK(s, tr["res_master"], nst.nonce)
	check("PSK", psk, "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3")
	early := earlySecret(s, psk)
	check("early secret", early, "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c")
	check("binder key", binderKey(s, early), "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256")

	prefix := unhex(t, rfc8448ResumedHelloPrefix)
	h := s.hash()
	h.Write(prefix)
	th := h.Sum(nil)
	check("truncated hello hash", th, "63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14")
	binder := pskBinder(s, early, th)
	check("binder", binder, "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d")

	// The whole ClientHello is the prefix then the binders list; putBinders
	// and truncatedHello must agree with that layout.
	full := append(append([]byte(nil), prefix...), 0, 33, 32)
	full = append(full, make([]byte, 32)...)
	putBinders(full, [][]byte{binder})
	if !bytes.Equal(full[len(prefix)+3:], binder) || full[len(prefix)+2] != 32 {
		t.Fatalf("putBinders wrote %x", full[len(prefix):])
	}
	// Find and parse the pre_shared_key extension (the last one).
	i := bytes.Index(full, []byte{0x00, 0x29, 0x00, 0xdd})
	ids, binders, ok := parsePSKExtClient(full[i+4:])
	if !ok || len(ids) != 1 || len(binders) != 1 || !bytes.Equal(binders[0], binder) {
		t.Fatalf("parsePSKExtClient: ok %v, %d ids", ok, len(ids))
	}
	// The trace's client reports an age of 6 ms.
	if ticketAge(ids[0].obfuscatedAge, nst.ageAdd) != 6 || obfuscatedAge(6, nst.ageAdd) != 0xfad6aacb ||
		len(ids[0].label) != 0xb2 {
		t.Fatalf("identity: age %x, label %d bytes", ids[0].obfuscatedAge, len(ids[0].label))
	}
	tru, ok := truncatedHello(full, binders)
	if !ok || !bytes.Equal(tru, prefix) {
		t.Fatal("truncatedHello is not the prefix")
	}

	// The rest of the resumed schedule, from the trace's X25519 secret.
	hs := handshakeSecret(s, early, unhex(t, "f44194756ff9ec9d25180635d66ea6824c6ab3bf179977be37f723570e7ccb2e"))
	check("handshake secret", hs, "005cb112fd8eb4ccc623bb88a07c64b3ede1605363fc7d0df8c7ce4ff0fb4ae6")

	// Re-marshal the client extension and the server forms.
	var b cryptobyte.Builder
	addPSKExtClient(&b, ids, []int{32})
	ext := b.BytesOrPanic()
	if want := full[i:]; !bytes.Equal(ext[:len(ext)-32], want[:len(want)-32]) {
		t.Fatalf("addPSKExtClient:\n got %x\nwant %x", ext, want)
	}
	var sb cryptobyte.Builder
	addPSKExtServer(&sb, 0)
	if got := sb.BytesOrPanic(); !bytes.Equal(got, []byte{0, 0x29, 0, 2, 0, 0}) {
		t.Fatalf("addPSKExtServer = %x", got)
	}
	if sel, ok := parsePSKExtServer([]byte{0, 3}); !ok || sel != 3 {
		t.Fatal("parsePSKExtServer")
	}
	var mb cryptobyte.Builder
	addPSKModesExt(&mb)
	mext := mb.BytesOrPanic()
	if dhe, ok := parsePSKModes(mext[4:]); !ok || !dhe || !bytes.Contains(prefix, mext) {
		t.Fatalf("psk modes %x", mext)
	}
	if dhe, ok := parsePSKModes([]byte{1, 0}); !ok || dhe {
		t.Fatal("psk_ke alone taken for psk_dhe_ke")
	}
}

func TestPSKParseRefusals(t *testing.T) {
	bad := [][]byte{
		{},
		{0, 0, 0, 0},                        // no identities
		{0, 7, 0, 1, 'x', 0, 0, 0, 0, 0, 0}, // no binders
		{0, 7, 0, 1, 'x', 0, 0, 0, 0, 0, 2, 1, 0}, // binder too short
		{0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0},         // empty identity
	}
	for _, d := range bad {
		if _, _, ok := parsePSKExtClient(d); ok {
			t.Errorf("accepted %x", d)
		}
	}
	if _, ok := parsePSKExtServer([]byte{0}); ok {
		t.Error("short selected_identity accepted")
	}
	if _, ok := parsePSKModes([]byte{0}); ok {
		t.Error("empty modes accepted")
	}
	if _, ok := truncatedHello([]byte{1, 2}, [][]byte{make([]byte, 32)}); ok {
		t.Error("truncatedHello past the start")
	}
}

func TestMessageHash(t *testing.T) {
	s := suiteByID(TLS_AES_256_GCM_SHA384)
	m := messageHash(s, []byte{1, 0, 0, 0})
	h := s.hash()
	h.Write([]byte{1, 0, 0, 0})
	if len(m) != 4+48 || m[0] != 254 || m[3] != 48 || !bytes.Equal(m[4:], h.Sum(nil)) {
		t.Fatalf("message_hash = %x", m)
	}
}
