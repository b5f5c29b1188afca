package httpd

import (
	"testing"
	"unsafe"
)

// An idle keep-alive connection costs its record (plus TCP's): keep it in
// Go's 80-byte size class.
func TestConnRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(conn{}); n > 80 {
		t.Fatalf("conn is %d bytes, want at most 80", n)
	}
	// With its callbacks bound once (connpool.go): the 112-byte class,
	// plus the four closures (16 bytes each) made with it.
	if off := unsafe.Offsetof(connRec{}.conn); off != 0 {
		t.Fatalf("conn at offset %d in connRec: recOf needs it first", off)
	}
	if n := unsafe.Sizeof(connRec{}); n > 112 {
		t.Fatalf("connRec is %d bytes, want at most 112", n)
	}
}
