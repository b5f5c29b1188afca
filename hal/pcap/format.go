package pcap

// File format constants (https://www.tcpdump.org/manpages/pcap-savefile.5.html).
const (
	magicMicros = 0xa1b2c3d4
	magicNanos  = 0xa1b23c4d

	versionMajor = 2
	versionMinor = 4

	// LinkTypeEthernet is LINKTYPE_ETHERNET: frames start at the
	// destination MAC address and carry no FCS.
	LinkTypeEthernet = 1

	// DefaultSnaplen is used when NewWriter is given a snaplen of 0.
	DefaultSnaplen = 65535

	fileHeaderLen   = 24
	recordHeaderLen = 16

	// maxRecord bounds what the reader allocates for one record whatever a
	// (possibly corrupt) file claims; libpcap's own limit is 256 KiB.
	maxRecord = 256 << 10
)
