// Package http1 holds the HTTP/1.1 message syntax of RFC 9110 and RFC 9112
// that servers/httpd and clients/http share, so the two ends of legation's
// HTTP agree byte for byte about what a token, a field line, a
// Content-Length and a chunked body are: character classes, field-line
// splitting and validation, Content-Length parsing, list-token iteration and
// an incremental chunked-coding decoder.
//
// It parses in place and does not allocate. It knows nothing of requests,
// responses, connections or limits beyond those of the syntax itself;
// framing decisions (which of Content-Length and Transfer-Encoding wins,
// what status to refuse with) stay with its callers. It imports only the
// standard library.
package http1
