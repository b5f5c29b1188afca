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
}
