package main

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// The demo site the peer stack serves on the loopback link.
const indexPage = `<!doctype html>
<html><head><title>legation demo site</title></head>
<body>
<h1>Hello from the peer stack</h1>
<p>This page came over legation's userspace TCP/IP stack, from servers/httpd
on one stack to clients/http on the other, inside one process.</p>
<ul>
<li><a href="/hello">/hello</a>: a line of text</li>
<li><a href="/data?n=100000">/data?n=N</a>: N bytes, chunked</li>
<li><a href="/redirect">/redirect</a>: a 302 back here</li>
<li>/status/CODE: an empty response with that status</li>
<li>POST /echo: the body back</li>
</ul>
</body></html>
`

// serveDemo starts the demo site on port 80 of s and a DNS server for
// legation.test on port 53 (legation.test and www.legation.test are s).
func serveDemo(s *stack.Stack, r *reactor.Reactor) error {
	srv := httpd.New(s, httpd.Config{})
	demoRoutes(srv)
	if err := srv.Listen(80); err != nil {
		return err
	}
	srv.Spawn(r)
	return serveZone(s)
}

// demoRoutes registers the demo site's pages on srv (http and https
// serve the same).
func demoRoutes(srv *httpd.Server) {
	srv.Handle("GET", "/", func(w *httpd.Response, r *httpd.Request) {
		w.HTML(200, []byte(indexPage))
	})
	srv.Handle("GET", "/hello", func(w *httpd.Response, r *httpd.Request) {
		w.Send(200, "text/plain", []byte("hello, world\n"))
	})
	srv.Handle("GET", "/redirect", func(w *httpd.Response, r *httpd.Request) {
		w.Header("Location", "/")
		w.Send(302, "text/plain", []byte("see /\n"))
	})
	srv.Handle("GET", "/status/*", func(w *httpd.Response, r *httpd.Request) {
		code, err := strconv.Atoi(r.Segment(0))
		if err != nil || code < 200 || code > 599 {
			w.Error(400)
			return
		}
		w.Send(code, "", nil)
	})
	srv.Handle("GET", "/data", func(w *httpd.Response, r *httpd.Request) {
		q, _ := r.Query("n")
		n, err := strconv.Atoi(q)
		if err != nil || n < 0 {
			w.Error(400)
			return
		}
		line := []byte(strings.Repeat("legation ", 7) + "\n") // 64 bytes
		sent := 0
		w.Stream(200, "text/plain", -1, func(p []byte) (int, bool) {
			k := 0
			for k < len(p) && sent < n {
				c := copy(p[k:min(len(p), k+n-sent)], line[sent%len(line):])
				k += c
				sent += c
			}
			return k, sent == n
		})
	})
	srv.Handle("POST", "/echo", func(w *httpd.Response, r *httpd.Request) {
		w.Send(200, "application/octet-stream", r.Body())
	})
}

// serveZone answers A queries for legation.test and www.legation.test
// with s's address, NXDOMAIN for other names in the zone and REFUSED
// outside it.
func serveZone(s *stack.Stack) error {
	sock := s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 53)); err != nil {
		return err
	}
	sock.OnReadable(func() {
		for {
			from, p, ok := sock.Peek()
			if !ok {
				return
			}
			if out, ok := answer(p, s.Addr().Addr()); ok {
				_ = sock.SendTo(out, from) // a lost answer is asked for again
			}
			sock.Discard()
		}
	})
	return nil
}

func answer(q []byte, addr netip.Addr) ([]byte, bool) {
	var m dnsmessage.Message
	if err := m.Unpack(q); err != nil || m.Response || len(m.Questions) != 1 {
		return nil, false
	}
	question := m.Questions[0]
	name := strings.ToLower(question.Name.String())
	m.Response, m.Authoritative, m.RecursionAvailable = true, true, false
	m.Answers, m.Authorities, m.Additionals = nil, nil, nil
	switch {
	case name == "legation.test." || name == "www.legation.test.":
		if question.Type == dnsmessage.TypeA {
			m.Answers = []dnsmessage.Resource{{
				Header: dnsmessage.ResourceHeader{Name: question.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60},
				Body:   &dnsmessage.AResource{A: addr.As4()},
			}}
		}
	case strings.HasSuffix(name, ".legation.test."):
		m.RCode = dnsmessage.RCodeNameError
	default:
		m.RCode = dnsmessage.RCodeRefused
	}
	out, err := m.Pack()
	return out, err == nil
}
