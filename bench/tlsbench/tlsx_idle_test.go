package tlsbench

import "testing"

// TestTLSXSmallRecordsIdleBytes measures what an idle tlsx connection
// holds, after a 16 KiB message each way, when both ends advertise record_size_limit 2048 (RFC 8449), the
// setting for a device short of RAM (crypto/tls ignores the extension, so
// this is tlsx with tlsx only), and fails above 12 KiB per side.
func TestTLSXSmallRecordsIdleBytes(t *testing.T) {
	p := mustPKI(t)
	cc := tlsxClientConfig(p, groups[0], nil)
	sc := tlsxServerConfig(p, groups[0], certECDSA, nil)
	cc.RecordSizeLimit, sc.RecordSizeLimit = 2048, 2048
	cli, srv := idleBytes(t, func(l link) (pair, error) {
		c, s, err := tlsxHandshake(l, cc, sc)
		return pair{c, s}, err
	}, 50, true)
	t.Logf("RecordSizeLimit 2048: client %.0f B/conn, server %.0f B/conn", cli, srv)
	if cli <= 0 || srv <= 0 || cli > 12<<10 || srv > 12<<10 {
		t.Errorf("client %.0f, server %.0f bytes per connection, want (0, 12 KiB]", cli, srv)
	}
}
