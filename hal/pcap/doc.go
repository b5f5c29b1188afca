// Package pcap writes and reads classic libpcap capture files, and offers a
// middleware device that records every frame a hal.Device receives and
// transmits, so a run of the stack can be opened in Wireshark or tshark.
//
// Files are written with the nanosecond magic (0xa1b23c4d), little-endian,
// link type Ethernet (1). The reader also accepts the microsecond magic and
// either byte order, so it can check files made by other tools.
//
// It does not write pcapng, does not buffer (wrap the io.Writer in a
// bufio.Writer for that, and flush it yourself), does not read the clock
// (timestamps come from the instants given to Tick) and does not own or close
// the io.Writer it is given.
package pcap
