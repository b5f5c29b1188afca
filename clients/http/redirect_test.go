package http

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// redirectServer answers the paths in routes with their canned responses
// and any other request with its method, path and body.
func redirectServer(e *env, port uint16, routes map[string]string) *rawServer {
	return e.raw(port, func(c *rawConn, head string, body []byte) {
		path := strings.Fields(head)[1]
		if ans, ok := routes[path]; ok {
			c.send(ans)
			return
		}
		// Echo what arrived, so tests can see method, fields and body.
		c.ok(strings.Fields(head)[0] + " " + path + " " + string(body))
	})
}

func redirect(code, loc string) string {
	return "HTTP/1.1 " + code + " Moved\r\nLocation: " + loc + "\r\nContent-Length: 5\r\n\r\nmoved"
}

func TestRedirectChain(t *testing.T) {
	e := newEnv(t, Config{})
	s := redirectServer(e, 80, map[string]string{
		"/a":         redirect("301", "/dir/b"),                   // absolute path
		"/dir/b":     redirect("302", "c?x=1"),                    // relative to /dir/
		"/dir/c?x=1": redirect("307", "../d#frag"),                // dot segments, fragment dropped
		"/d":         redirect("308", "http://10.9.0.1:80/final"), // absolute URL
	})
	resp := e.get(url(80, "/a"))
	if string(resp.Body) != "GET /final " || resp.Redirects != 4 || resp.URL() != "http://10.9.0.1:80/final" {
		t.Fatalf("%q after %d redirects at %s", resp.Body, resp.Redirects, resp.URL())
	}
	if s.accepted != 1 {
		t.Fatalf("%d connections: redirect bodies should have been read away", s.accepted)
	}
	// The next request starts from its own URL again.
	resp = e.get(url(80, "/d"))
	if string(resp.Body) != "GET /final " || resp.Redirects != 1 {
		t.Fatalf("%q after %d redirects", resp.Body, resp.Redirects)
	}
}

func TestRedirectLoop(t *testing.T) {
	e := newEnv(t, Config{MaxRedirects: 5})
	redirectServer(e, 80, map[string]string{
		"/a": redirect("302", "/b"),
		"/b": redirect("302", "/a"),
	})
	resp, err := e.do(&Request{URL: url(80, "/a")}, time.Minute)
	if !errors.Is(err, ErrTooManyRedirects) || resp.Redirects != 5 || resp.Status != 302 {
		t.Fatalf("%v after %d redirects, status %d", err, resp.Redirects, resp.Status)
	}
}

func TestRedirectOptOut(t *testing.T) {
	routes := map[string]string{"/a": redirect("302", "/b")}
	e := newEnv(t, Config{})
	redirectServer(e, 80, routes)
	resp, err := e.do(&Request{URL: url(80, "/a"), NoRedirect: true, Into: make([]byte, 0, 64)}, time.Minute)
	if loc, _ := resp.Header("Location"); err != nil || resp.Status != 302 || loc != "/b" || string(resp.Body) != "moved" {
		t.Fatalf("%v %d %q %q", err, resp.Status, loc, resp.Body)
	}
	e = newEnv(t, Config{NoRedirects: true})
	redirectServer(e, 80, routes)
	if resp := e.get(url(80, "/a")); resp.Status != 302 {
		t.Fatalf("status %d", resp.Status)
	}
}

// 303 turns anything but HEAD into a GET without a body, 301 and 302 do
// for POST; 307 and 308 keep method and body.
func TestRedirectMethods(t *testing.T) {
	e := newEnv(t, Config{})
	s := redirectServer(e, 80, map[string]string{
		"/303": redirect("303", "/x"),
		"/301": redirect("301", "/x"),
		"/302": redirect("302", "/x"),
		"/307": redirect("307", "/x"),
		"/308": redirect("308", "/x"),
	})
	for _, tc := range []struct{ method, code, want string }{
		{"POST", "303", "GET /x "},
		{"PUT", "303", "GET /x "},
		{"HEAD", "303", ""},
		{"POST", "301", "GET /x "},
		{"POST", "302", "GET /x "},
		{"PUT", "301", "PUT /x body"},
		{"POST", "307", "POST /x body"},
		{"POST", "308", "POST /x body"},
		{"DELETE", "307", "DELETE /x body"},
	} {
		req := &Request{Method: tc.method, URL: url(80, "/"+tc.code), Body: []byte("body"),
			Header: []Field{{"Content-Type", "text/plain"}}, Into: make([]byte, 0, 256)}
		resp, err := e.do(req, time.Minute)
		if err != nil || string(resp.Body) != tc.want {
			t.Fatalf("%s %s: %v %q, want %q", tc.method, tc.code, err, resp.Body, tc.want)
		}
	}
	// A dropped body takes its Content-Type and length along.
	for _, h := range s.heads {
		if strings.HasPrefix(h, "GET /x ") && (strings.Contains(h, "Content-Type") || strings.Contains(h, "Content-Length")) {
			t.Fatalf("GET after a redirect:\n%s", h)
		}
	}
}

// A streamed body cannot be sent twice: a 307 comes back as it is.
func TestRedirectStreamedBody(t *testing.T) {
	e := newEnv(t, Config{})
	redirectServer(e, 80, map[string]string{"/307": redirect("307", "/x"), "/303": redirect("303", "/x")})
	src := "streamed"
	body := func(p []byte) (int, bool, error) { n := copy(p, src); return n, true, nil }
	resp, err := e.do(&Request{Method: "POST", URL: url(80, "/307"), BodyFunc: body}, time.Minute)
	if err != nil || resp.Status != 307 {
		t.Fatalf("%v %d", err, resp.Status)
	}
	resp, err = e.do(&Request{Method: "POST", URL: url(80, "/303"), BodyFunc: body, Into: make([]byte, 0, 64)}, time.Minute)
	if err != nil || string(resp.Body) != "GET /x " {
		t.Fatalf("%v %q", err, resp.Body)
	}
}

// Credentials do not follow a redirect to another origin (another port is
// another origin), and do follow one within the origin.
func TestRedirectDropsCredentialsAcrossOrigins(t *testing.T) {
	e := newEnv(t, Config{})
	a := redirectServer(e, 80, map[string]string{
		"/away": redirect("302", "http://10.9.0.1:8080/there"),
		"/here": redirect("302", "/x"),
	})
	b := redirectServer(e, 8080, nil)
	hdr := []Field{{"Authorization", "Bearer secret"}, {"Cookie", "a=b"}, {"X-Keep", "1"}}
	e.do(&Request{URL: url(80, "/away"), Header: hdr}, time.Minute)
	e.do(&Request{URL: url(80, "/here"), Header: hdr}, time.Minute)
	if len(b.heads) != 1 || strings.Contains(b.heads[0], "secret") || strings.Contains(b.heads[0], "a=b") ||
		!strings.Contains(b.heads[0], "X-Keep: 1") || !strings.Contains(b.heads[0], "Host: 10.9.0.1:8080\r\n") {
		t.Fatalf("other origin got:\n%q", b.heads)
	}
	if last := a.heads[len(a.heads)-1]; !strings.Contains(last, "Authorization: Bearer secret") {
		t.Fatalf("same origin got:\n%s", last)
	}
}

func TestBadRedirects(t *testing.T) {
	e := newEnv(t, Config{})
	redirectServer(e, 80, map[string]string{
		"/none":  "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
		"/ftp":   redirect("302", "ftp://10.9.0.1/file"),
		"/empty": "HTTP/1.1 302 Found\r\nLocation: \r\nContent-Length: 0\r\n\r\n",
		"/user":  redirect("302", "http://user@10.9.0.1/"),
		"/long":  redirect("302", "/"+strings.Repeat("a", 3000)),
		"/utf8":  redirect("302", "/caf\xc3\xa9 x"),
	})
	for path, want := range map[string]error{
		"/ftp": ErrUnsupportedScheme, "/user": ErrBadRedirect, "/long": ErrBadRedirect,
	} {
		if _, err := e.do(&Request{URL: url(80, path)}, time.Minute); !errors.Is(err, want) {
			t.Fatalf("%s: %v, want %v", path, err, want)
		}
	}
	// A 3xx without a Location is an answer.
	for _, path := range []string{"/none", "/empty"} {
		if resp, err := e.do(&Request{URL: url(80, path)}, time.Minute); err != nil || resp.Status != 302 {
			t.Fatalf("%s: %v %d", path, err, resp.Status)
		}
	}
	// Raw UTF-8 and spaces in a Location are encoded, as browsers do.
	if resp := e.get(url(80, "/utf8")); string(resp.Body) != "GET /caf%C3%A9%20x " {
		t.Fatalf("%q", resp.Body)
	}
}

func TestResolveRef(t *testing.T) {
	base, err := parseURL("http://a/b/c/d;p?q", 100)
	if err != 0 {
		t.Fatal(err)
	}
	// RFC 3986 5.4, the normal and abnormal examples this client meets.
	for ref, want := range map[string]string{
		"g":             "http://a/b/c/g",
		"./g":           "http://a/b/c/g",
		"g/":            "http://a/b/c/g/",
		"/g":            "http://a/g",
		"//g":           "http://g",
		"?y":            "http://a/b/c/d;p?y",
		"g?y":           "http://a/b/c/g?y",
		"#s":            "http://a/b/c/d;p?q",
		"g#s":           "http://a/b/c/g",
		";x":            "http://a/b/c/;x",
		"":              "http://a/b/c/d;p?q",
		".":             "http://a/b/c/",
		"./":            "http://a/b/c/",
		"..":            "http://a/b/",
		"../":           "http://a/b/",
		"../g":          "http://a/b/g",
		"../..":         "http://a/",
		"../../g":       "http://a/g",
		"../../../g":    "http://a/g",
		"../../../../g": "http://a/g",
		"/./g":          "http://a/g",
		"/../g":         "http://a/g",
		"g.":            "http://a/b/c/g.",
		".g":            "http://a/b/c/.g",
		"g..":           "http://a/b/c/g..",
		"..g":           "http://a/b/c/..g",
		"./../g":        "http://a/b/g",
		"./g/.":         "http://a/b/c/g/",
		"g/./h":         "http://a/b/c/g/h",
		"g/../h":        "http://a/b/c/h",
		"g;x=1/./y":     "http://a/b/c/g;x=1/y",
		"g;x=1/../y":    "http://a/b/c/y",
		"g?y/./x":       "http://a/b/c/g?y/./x",
		"https://x:1/y": "https://x:1/y",
	} {
		got, ok := resolveRef(make([]byte, 0, 100), &base, ref)
		if !ok || string(got) != want {
			t.Errorf("%q: %q, want %q", ref, got, want)
		}
	}
	if _, ok := resolveRef(make([]byte, 0, 10), &base, "/0123456789"); ok {
		t.Error("overflow not reported")
	}
}
