package qemu

import (
	"fmt"
	"net"
	"strings"
)

// Kind says which of the constructors a Target stands for.
type Kind uint8

const (
	KindDial     Kind = iota + 1 // Dial: QEMU listens, we connect
	KindListen                   // Listen: we listen, QEMU connects
	KindDatagram                 // DialDatagram: one UDP datagram per frame
)

// Target is a parsed link description; Open makes the device it describes.
//
// The syntax, as given to a program's -link flag:
//
//	qemu:HOST:PORT            Dial("tcp", "HOST:PORT")      QEMU: -netdev socket,listen=HOST:PORT
//	qemu:unix:PATH            Dial("unix", PATH)            QEMU: -netdev stream,server=on,addr.type=unix,addr.path=PATH
//	qemu-listen:HOST:PORT     Listen("tcp", "HOST:PORT")    QEMU: -netdev socket,connect=HOST:PORT
//	qemu-listen:unix:PATH     Listen("unix", PATH)          QEMU: -netdev stream,server=off,addr.type=unix,addr.path=PATH
//	qemu-dgram:LOCAL,REMOTE   DialDatagram(LOCAL, REMOTE)   QEMU: -netdev dgram,local.*=REMOTE,remote.*=LOCAL
//
// HOST may be a name, an IPv4 address or a bracketed IPv6 address; an empty
// HOST in qemu-listen means every address. LOCAL may be empty for an
// ephemeral port.
type Target struct {
	Kind Kind
	// Network is "tcp" or "unix" for the stream kinds, "udp" for datagrams.
	Network string
	// Addr is the address to dial or listen on; for datagrams, QEMU's
	// (remote) address.
	Addr string
	// Local is the datagram socket's own address ("" for ephemeral).
	Local string
}

// Scheme prefixes of the link descriptions.
const (
	schemeDial     = "qemu:"
	schemeListen   = "qemu-listen:"
	schemeDatagram = "qemu-dgram:"
)

// ParseTarget parses a link description; see Target for the syntax.
func ParseTarget(s string) (Target, error) {
	var t Target
	rest, ok := "", false
	switch {
	case hasPrefix(s, schemeDial, &rest):
		t.Kind, ok = KindDial, true
	case hasPrefix(s, schemeListen, &rest):
		t.Kind, ok = KindListen, true
	case hasPrefix(s, schemeDatagram, &rest):
		t.Kind, ok = KindDatagram, true
	}
	if !ok {
		return t, fmt.Errorf("%w: %q: want qemu:, qemu-listen: or qemu-dgram:", ErrTarget, s)
	}
	if t.Kind == KindDatagram {
		local, remote, found := strings.Cut(rest, ",")
		if !found {
			return t, fmt.Errorf("%w: %q: want qemu-dgram:LOCAL,REMOTE", ErrTarget, s)
		}
		if local != "" {
			if err := checkHostPort(local, true); err != nil {
				return t, fmt.Errorf("%w: %q: local: %w", ErrTarget, s, err)
			}
		}
		if err := checkHostPort(remote, false); err != nil {
			return t, fmt.Errorf("%w: %q: remote: %w", ErrTarget, s, err)
		}
		t.Network, t.Local, t.Addr = "udp", local, remote
		return t, nil
	}
	if path, isUnix := strings.CutPrefix(rest, "unix:"); isUnix {
		if path == "" {
			return t, fmt.Errorf("%w: %q: empty socket path", ErrTarget, s)
		}
		t.Network, t.Addr = "unix", path
		return t, nil
	}
	if err := checkHostPort(rest, t.Kind == KindListen); err != nil {
		return t, fmt.Errorf("%w: %q: %w", ErrTarget, s, err)
	}
	t.Network, t.Addr = "tcp", rest
	return t, nil
}

func hasPrefix(s, prefix string, rest *string) bool {
	r, ok := strings.CutPrefix(s, prefix)
	*rest = r
	return ok
}

// checkHostPort accepts HOST:PORT with a numeric port, and an empty host
// or port 0 only where the address is bound rather than dialled.
func checkHostPort(a string, bind bool) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return err
	}
	if host == "" && !bind {
		return fmt.Errorf("missing host in %q", a)
	}
	p := 0
	for _, c := range port {
		if c < '0' || c > '9' || p > 65535 {
			return fmt.Errorf("bad port in %q", a)
		}
		p = p*10 + int(c-'0')
	}
	if port == "" || p > 65535 || (p == 0 && !bind) {
		return fmt.Errorf("bad port in %q", a)
	}
	return nil
}

// String formats t back into the syntax ParseTarget reads.
func (t Target) String() string {
	switch t.Kind {
	case KindDatagram:
		return schemeDatagram + t.Local + "," + t.Addr
	case KindDial, KindListen:
		scheme := schemeDial
		if t.Kind == KindListen {
			scheme = schemeListen
		}
		if t.Network == "unix" {
			return scheme + "unix:" + t.Addr
		}
		return scheme + t.Addr
	}
	return "qemu-invalid"
}

// Open makes the device t describes.
func (t Target) Open(cfg Config) (*Device, error) {
	switch t.Kind {
	case KindDial:
		return Dial(t.Network, t.Addr, cfg)
	case KindListen:
		return Listen(t.Network, t.Addr, cfg)
	case KindDatagram:
		return DialDatagram(t.Local, t.Addr, cfg)
	}
	return nil, fmt.Errorf("%w: kind %d", ErrTarget, t.Kind)
}
