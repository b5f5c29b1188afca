// Package dashboard is the built-in device dashboard: a web page and JSON
// routes on a device's own HTTP server (servers/httpd) that show what the
// device is, how its network is configured, what its stack, HTTP server
// and Go runtime are doing, and its recent log, with live updates over a
// WebSocket.
//
// One call adds it to a server:
//
//	srv := httpd.New(st, httpd.Config{})
//	d := dashboard.Register(srv, st, dashboard.Config{Name: "pump-7", Model: "PX-2", Firmware: "1.4.0"})
//	d.Log().AppendString(dashboard.LevelInfo, "started")
//	srv.Listen(80)
//	srv.Spawn(r)
//
// The page is one HTML file with its CSS and script inline (no external
// resources), embedded gzip-compressed (page.html.gz, made from page.html by
// "go generate") and sent as it is to every browser, with an ETag. The JSON
// is written by an append-style writer (JSON) into the free part of the
// request's buffer, so the routes allocate nothing per request; the log is
// a ring of fixed storage (Log) that the application appends to.
//
// Everything runs on the reactor goroutine, in the server's task: the live
// feed's timer is a ticker of the server, and sends a snapshot only while
// some view is open. The dashboard has no access control: serve it on a
// network where everyone who can reach it may read it.
package dashboard
