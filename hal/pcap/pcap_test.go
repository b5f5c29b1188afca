package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ethFrame builds an Ethernet II frame of n bytes from src with a payload
// pattern that depends on seed.
func ethFrame(n int, src byte, seed byte) []byte {
	f := make([]byte, n)
	copy(f, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, src, 0x88, 0xb5}) // local experimental ethertype
	for i := 14; i < n; i++ {
		f[i] = seed + byte(i)
	}
	return f
}

type rec struct {
	ts    int64
	frame []byte
}

func TestWriteReadBack(t *testing.T) {
	recs := []rec{
		{0, ethFrame(60, 1, 0)},
		{1_700_000_000_123_456_789, ethFrame(1514, 2, 1)},
		{1_700_000_001_000_000_000, ethFrame(14, 3, 2)},
		{1_700_000_001_999_999_999, ethFrame(300, 4, 3)},
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w.Snaplen() != DefaultSnaplen {
		t.Errorf("default snaplen %d", w.Snaplen())
	}
	for _, r := range recs {
		if err := w.WritePacket(r.ts, r.frame); err != nil {
			t.Fatal(err)
		}
	}
	// The header must say what the spec says, byte for byte.
	wantHdr := []byte{0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}
	if !bytes.Equal(buf.Bytes()[:24], wantHdr) {
		t.Fatalf("file header % x, want % x", buf.Bytes()[:24], wantHdr)
	}
	rd, err := NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !rd.Nanosecond() || rd.LinkType() != LinkTypeEthernet || rd.Snaplen() != 65535 {
		t.Errorf("reader sees nanos=%v link=%d snaplen=%d", rd.Nanosecond(), rd.LinkType(), rd.Snaplen())
	}
	for i, r := range recs {
		ts, f, err := rd.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if ts != r.ts || !bytes.Equal(f, r.frame) {
			t.Fatalf("record %d: ts %d len %d, want ts %d len %d", i, ts, len(f), r.ts, len(r.frame))
		}
	}
	if _, _, err := rd.Next(); err != io.EOF {
		t.Fatalf("after the last record: %v, want io.EOF", err)
	}
}

func TestSnaplenCuts(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, 100)
	if err != nil {
		t.Fatal(err)
	}
	f := ethFrame(400, 1, 9)
	if err := w.WritePacket(5, f); err != nil {
		t.Fatal(err)
	}
	rec := buf.Bytes()[24:]
	if incl, orig := binary.LittleEndian.Uint32(rec[8:]), binary.LittleEndian.Uint32(rec[12:]); incl != 100 || orig != 400 {
		t.Fatalf("record lengths incl=%d orig=%d, want 100 and 400", incl, orig)
	}
	rd, err := NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := rd.Next()
	if err != nil || !bytes.Equal(got, f[:100]) {
		t.Fatalf("read back %d bytes, err %v; want the first 100", len(got), err)
	}
}

func TestNegativeTimestampClamps(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, 0)
	w.WritePacket(-5, ethFrame(60, 1, 0))
	rd, _ := NewReader(&buf)
	if ts, _, err := rd.Next(); err != nil || ts != 0 {
		t.Fatalf("ts %d err %v, want 0", ts, err)
	}
}

func TestReaderMicrosecondsBigEndian(t *testing.T) {
	// A file as a big-endian host's libpcap writes it, with microseconds.
	var b []byte
	be := binary.BigEndian
	b = be.AppendUint32(b, magicMicros)
	b = be.AppendUint16(b, 2)
	b = be.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = be.AppendUint32(b, 1500)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 10)
	b = be.AppendUint32(b, 250)
	b = be.AppendUint32(b, 3)
	b = be.AppendUint32(b, 3)
	b = append(b, 7, 8, 9)
	rd, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if rd.Nanosecond() || rd.Snaplen() != 1500 {
		t.Errorf("nanos=%v snaplen=%d", rd.Nanosecond(), rd.Snaplen())
	}
	ts, f, err := rd.Next()
	if err != nil || ts != 10_000_250_000 || !bytes.Equal(f, []byte{7, 8, 9}) {
		t.Fatalf("ts %d frame % x err %v", ts, f, err)
	}
}

func TestErrors(t *testing.T) {
	if _, err := NewWriter(io.Discard, -1); !errors.Is(err, ErrBadSnaplen) {
		t.Errorf("negative snaplen: %v", err)
	}
	var good bytes.Buffer
	w, _ := NewWriter(&good, 0)
	w.WritePacket(1, ethFrame(60, 1, 0))
	file := good.Bytes()

	badMagic := bytes.Clone(file)
	badMagic[0] = 0
	zeroSnap := bytes.Clone(file)
	copy(zeroSnap[16:20], []byte{0, 0, 0, 0})
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short header", file[:10], ErrTruncated},
		{"bad magic", badMagic, ErrBadMagic},
		{"zero snaplen", zeroSnap, ErrBadSnaplen},
	} {
		if _, err := NewReader(bytes.NewReader(tc.in)); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}

	huge := bytes.Clone(file)
	binary.LittleEndian.PutUint32(huge[24+8:], maxRecord+1)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"record header cut", file[:24+10], ErrTruncated},
		{"record body cut", file[:len(file)-1], ErrTruncated},
		{"record too large", huge, ErrTooLarge},
	} {
		rd, err := NewReader(bytes.NewReader(tc.in))
		if err != nil {
			t.Fatalf("%s: header: %v", tc.name, err)
		}
		if _, _, err := rd.Next(); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if ErrTooLarge.Error() == Error(200).Error() {
		t.Error("errors have no distinct text")
	}
}

// TestTshark proves the file is one that Wireshark's own reader accepts:
// every record, its lengths, nanosecond timestamps and Ethernet decoding.
func TestTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not on PATH (Debian package tshark): cannot cross-check the file format")
	}
	path := filepath.Join(t.TempDir(), "cap.pcap")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(fh, 1000)
	if err != nil {
		t.Fatal(err)
	}
	lens := []int{60, 1514, 14, 999, 1000, 1001, 64}
	for i, n := range lens {
		if err := w.WritePacket(1_700_000_000_000_000_000+int64(i)*1_000_000_007, ethFrame(n, byte(i+1), byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tshark, "-r", path, "-T", "fields", "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.time_epoch", "-e", "eth.src")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("tshark: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(lens) {
		t.Fatalf("tshark read %d frames, want %d:\n%s", len(lines), len(lens), out)
	}
	for i, line := range lines {
		fields := strings.Split(line, "\t")
		if len(fields) != 4 {
			t.Fatalf("line %d: %q", i, line)
		}
		wantCap := min(lens[i], 1000)
		if fields[0] != strconv.Itoa(lens[i]) || fields[1] != strconv.Itoa(wantCap) {
			t.Errorf("frame %d: len %s cap %s, want %d and %d", i, fields[0], fields[1], lens[i], wantCap)
		}
		ts := 1_700_000_000_000_000_000 + int64(i)*1_000_000_007
		wantTime := strconv.FormatInt(ts/1e9, 10) + "." + leftPad(ts%1e9)
		if fields[2] != wantTime {
			t.Errorf("frame %d: time %s, want %s", i, fields[2], wantTime)
		}
		if want := "02:00:00:00:00:0" + strconv.Itoa(i+1); fields[3] != want {
			t.Errorf("frame %d: eth.src %q, want %q", i, fields[3], want)
		}
	}
}

func leftPad(ns int64) string {
	s := strconv.FormatInt(ns, 10)
	return strings.Repeat("0", 9-len(s)) + s
}
