package httpd

import (
	"slices"
	"strings"
)

// route is one registered pattern with what serves it.
type route struct {
	method  string   // "" matches any method
	pattern string   // as registered
	segs    []string // pattern split at '/', without the leading empty one
	score   int      // more literal segments first, then no "**"
	handler Handler
	stream  *StreamHandler
	// adopt takes over the connection after a WebSocket upgrade.
	adopt Adopter
	// full reports that the upgrade target takes no more connections.
	full func() bool
}

// router finds the route for a method and path. Routes are kept most
// specific first, so "/api/items/new" wins over "/api/items/*" whatever
// the order of registration; among equals the first registered wins.
type router struct {
	routes []*route
}

func newRoute(method, pattern string) *route {
	if pattern == "" || pattern[0] != '/' {
		panic("httpd: pattern must start with '/': " + pattern)
	}
	rt := &route{method: method, pattern: pattern, segs: strings.Split(pattern[1:], "/")}
	for i, s := range rt.segs {
		switch s {
		case "*":
		case "**":
			if i != len(rt.segs)-1 {
				panic("httpd: \"**\" must end the pattern: " + pattern)
			}
			rt.score--
		default:
			rt.score += 2
		}
	}
	if n := strings.Count(pattern, "*") - strings.Count(pattern, "**"); n > maxSegments {
		panic("httpd: too many wildcards in " + pattern)
	}
	return rt
}

func (rr *router) add(rt *route) {
	i := slices.IndexFunc(rr.routes, func(o *route) bool { return o.score < rt.score })
	if i < 0 {
		i = len(rr.routes)
	}
	rr.routes = slices.Insert(rr.routes, i, rt)
}

// lookup returns the route for the request's method and path, recording
// its captures in r. When the path matches only routes of other methods it
// returns nil and pathMatched; allow then lists them.
func (rr *router) lookup(r *Request) (found *route, pathMatched bool) {
	path := r.Path()
	for _, rt := range rr.routes {
		if !rt.match(path, r) {
			continue
		}
		if rt.method == "" || rt.method == r.method || rt.method == "GET" && r.method == "HEAD" {
			return rt, true
		}
		pathMatched = true
	}
	r.nsegs = 0
	return nil, pathMatched
}

// appendAllow appends the methods of routes matching path, for Allow.
func (rr *router) appendAllow(b []byte, r *Request) []byte {
	path := r.Path()
	start := len(b)
	add := func(m string) {
		for _, t := range strings.Split(string(b[start:]), ", ") {
			if t == m {
				return
			}
		}
		if len(b) > start {
			b = append(b, ", "...)
		}
		b = append(b, m...)
	}
	for _, rt := range rr.routes {
		if rt.method != "" && rt.match(path, r) {
			add(rt.method)
			if rt.method == "GET" {
				add("HEAD")
			}
		}
	}
	add("OPTIONS")
	r.nsegs = 0
	return b
}

// match reports whether path matches the pattern, capturing wildcards
// into r.
func (rt *route) match(path string, r *Request) bool {
	if path == "*" || len(path) == 0 {
		return false
	}
	rest := path[1:]
	off := int(r.path.off) + 1
	r.nsegs = 0
	for i, ps := range rt.segs {
		if ps == "**" {
			r.segs[r.nsegs] = span{uint32(off), uint32(len(rest))}
			r.nsegs++
			return true
		}
		seg, after, more := strings.Cut(rest, "/")
		last := i == len(rt.segs)-1
		if last == more {
			return false // the path has more, or fewer, segments
		}
		if ps == "*" {
			if seg == "" {
				return false
			}
			r.segs[r.nsegs] = span{uint32(off), uint32(len(seg))}
			r.nsegs++
		} else if seg != ps {
			return false
		}
		off += len(seg) + 1
		rest = after
	}
	return true
}
