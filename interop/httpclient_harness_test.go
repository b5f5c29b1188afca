package interop

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"net/http"
	"strings"
	"testing"
	"time"

	lhttp "github.com/seed947b3480/legation/clients/http"
)

// The legation HTTP client as the interop tests drive it: a Client on the
// device's stack and reactor, requests started from the test goroutine
// through the reactor's wake queue, and each result copied out on the
// reactor goroutine (the Response's strings point into the Request's
// buffer) into an hcResult the test can keep.

// hcClient is a legation client on the device.
type hcClient struct {
	d *device
	c *lhttp.Client
}

// hcNewClient makes a client configured by cfg and spawns it on d's
// reactor; it is closed when the test ends.
func hcNewClient(t *testing.T, d *device, cfg lhttp.Config) *hcClient {
	t.Helper()
	var c *lhttp.Client
	var err error
	d.do(func() {
		if c, err = lhttp.New(d.s, cfg); err == nil {
			c.Spawn(d.r)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.do(c.Close) })
	return &hcClient{d: d, c: c}
}

func (hc *hcClient) stats() lhttp.Stats {
	var st lhttp.Stats
	hc.d.do(func() { st = hc.c.Stats() })
	return st
}

// hcResult is what the client reported for one request.
type hcResult struct {
	err           error
	status        int
	header        http.Header // the final response's fields, copied
	trailer       http.Header // its trailer fields, copied
	body          []byte      // the gathered body (Into), copied
	n             int64       // Response.BodyLen
	sum           [32]byte    // SHA-256 of the body, when the harness saw it
	contentLength int64
	chunked       bool
	reused        bool
	redirects     int
	url           string
	took          time.Duration
}

// hcCall is one request in flight.
type hcCall struct {
	req   *lhttp.Request
	h     hash.Hash // hashes OnData pieces, when the harness set OnData
	start time.Time
	done  chan hcResult
}

// start starts req on the reactor. Unless req gathers its body (Into) or
// takes it itself (OnData), the harness streams it through OnData into a
// SHA-256, so a body of any size is checked without being kept.
func (hc *hcClient) start(req *lhttp.Request) *hcCall {
	call := &hcCall{req: req, done: make(chan hcResult, 1)}
	if req.OnData == nil && req.Into == nil {
		h := sha256.New()
		call.h = h
		req.OnData = func(p []byte) error { h.Write(p); return nil }
	}
	call.start = time.Now()
	hc.d.r.Post(func() {
		hc.c.Do(req).OnComplete(func(resp *lhttp.Response, err error) { call.done <- call.snapshot(resp, err) })
	})
	return call
}

// snapshot copies what the test needs out of resp, on the reactor
// goroutine, before the Request can be used again.
func (call *hcCall) snapshot(resp *lhttp.Response, err error) hcResult {
	r := hcResult{err: err, took: time.Since(call.start)}
	if resp == nil {
		return r
	}
	r.status, r.n, r.contentLength, r.chunked = resp.Status, resp.BodyLen, resp.ContentLength, resp.Chunked
	r.reused, r.redirects, r.url = resp.Reused, resp.Redirects, strings.Clone(resp.URL())
	r.header = http.Header{}
	for i := range resp.NumHeaders() {
		name, value := resp.HeaderAt(i)
		r.header.Add(strings.Clone(name), strings.Clone(value))
	}
	r.trailer = http.Header{}
	for i := range resp.NumTrailers() {
		name, value := resp.TrailerAt(i)
		r.trailer.Add(strings.Clone(name), strings.Clone(value))
	}
	if call.req.Into != nil {
		r.body = bytes.Clone(resp.Body)
	}
	switch {
	case call.h != nil:
		copy(r.sum[:], call.h.Sum(nil))
	case call.req.Into != nil:
		r.sum = sha256.Sum256(resp.Body)
	}
	return r
}

// wait returns the call's result, failing the test if none comes within
// limit.
func (call *hcCall) wait(t *testing.T, limit time.Duration) hcResult {
	t.Helper()
	select {
	case r := <-call.done:
		return r
	case <-time.After(limit):
		t.Fatalf("%s %s: no result within %v", call.req.Method, call.req.URL, limit)
		return hcResult{}
	}
}

// fetch runs req to completion (bounded by a minute).
func (hc *hcClient) fetch(t *testing.T, req *lhttp.Request) hcResult {
	t.Helper()
	return hc.start(req).wait(t, time.Minute)
}

// get fetches url and fails the test unless it answers status.
func (hc *hcClient) get(t *testing.T, url string, status int) hcResult {
	t.Helper()
	r := hc.fetch(t, &lhttp.Request{URL: url})
	if r.err != nil || r.status != status {
		t.Fatalf("GET %s: status %d, %v; want %d", url, r.status, r.err, status)
	}
	return r
}
