package sntp

import "net/netip"

// server is what the client remembers about one NTP server.
type server struct {
	addr netip.Addr
	dead bool // refused with DENY or RSTR: never asked again
}

// serverList holds up to a fixed number of servers in the order of
// preference, in storage allocated once.
type serverList struct {
	list, spare []server
}

func newServerList(n int) serverList {
	return serverList{list: make([]server, 0, n), spare: make([]server, 0, n)}
}

// refresh makes the list follow addrs (IPv4 only, duplicates dropped, at
// most the list's capacity), keeping what it knew about servers that stay.
// It does not allocate.
func (l *serverList) refresh(addrs []netip.Addr) {
	if l.same(addrs) {
		return
	}
	next := l.spare[:0]
	for _, a := range addrs {
		if len(next) == cap(next) {
			break
		}
		if !a.Is4() || indexOf(next, a) >= 0 {
			continue
		}
		s := server{addr: a}
		if i := indexOf(l.list, a); i >= 0 {
			s = l.list[i]
		}
		next = append(next, s)
	}
	l.list, l.spare = next, l.list[:0]
}

// same reports whether refresh(addrs) would leave the list as it is.
func (l *serverList) same(addrs []netip.Addr) bool {
	n := 0
	for _, a := range addrs {
		if n == cap(l.list) {
			break
		}
		if !a.Is4() || indexOf(l.list[:n], a) >= 0 {
			continue
		}
		if n >= len(l.list) || l.list[n].addr != a {
			return false
		}
		n++
	}
	return n == len(l.list)
}

func indexOf(l []server, a netip.Addr) int {
	for i := range l {
		if l[i].addr == a {
			return i
		}
	}
	return -1
}

// live reports how many servers may still be asked.
func (l *serverList) live() int {
	n := 0
	for i := range l.list {
		if !l.list[i].dead {
			n++
		}
	}
	return n
}
