package wsbench

import "testing"

// impl starts one implementation's echo server and connects the client,
// upgraded, and returns an op that sends msg and returns once the echo has
// been read and checked. Set-up may allocate; teardown belongs in
// tb.Cleanup.
type impl func(tb testing.TB, msg []byte) (op func() error)

// impls are the implementations, in column order.
var impls = []struct {
	name  string
	start impl
}{
	{"legation", startLegation},
	{"gws", startGWS},
}

var sizes = []int{500, 2000, 8000}

// maskKey is the client's masking key, fixed so runs repeat.
var maskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}
