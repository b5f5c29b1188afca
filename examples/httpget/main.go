// Command httpget fetches a URL with legation's HTTP client: the body goes
// to stdout, the status line to stderr, and it exits 0 on a 2xx status.
// Anything else exits 1, a failure with the client's typed error printed.
//
// On the default loopback link the peer stack in the same process serves a
// small demo site at 192.168.7.1 (and answers DNS for legation.test), so it
// runs anywhere with no set-up:
//
//	go run ./examples/httpget http://192.168.7.1/
//	go run ./examples/httpget http://www.legation.test/hello
//	go run ./examples/httpget http://192.168.7.1/redirect     # followed
//	go run ./examples/httpget -X POST -d 'some data' http://192.168.7.1/echo
//	go run ./examples/httpget http://192.168.7.1/status/404   # exit 1
//	go run ./examples/httpget https://www.legation.test/hello  # TLS 1.3, the demo's own CA
//	go run ./examples/httpget -cacert ca.pem https://10.77.0.1:8443/
//	go run ./examples/httpget -insecure https://192.168.7.1/  # no verification (warns)
//	ip netns exec lg go run ./examples/httpget -link tap:tap0 http://10.77.0.1:8080/
//	go run ./examples/httpget -link qemu:127.0.0.1:5555 -dhcp http://example.com/
//	go run ./examples/httpget -link qemu:127.0.0.1:5555 -dhcp https://example.com/
//
// https URLs go through tlsx (TLS 1.3 only), trusting the PEM certificates
// of -cacert, else on the loopback link the demo site's CA (made at start),
// else the host's system roots.
package main

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	lhttp "github.com/seed947b3480/legation/clients/http"
	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/examples/internal/netup"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// options are httpget's own flags.
type options struct {
	method     string
	data       string
	headers    headerFlags
	noRedirect bool
	timeout    time.Duration
	verbose    bool
	caCert     string
	insecure   bool
}

type headerFlags []lhttp.Field

func (h *headerFlags) String() string { return fmt.Sprint(*h) }

func (h *headerFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return errors.New("want Name: value")
	}
	*h = append(*h, lhttp.Field{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	return nil
}

func register(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.method, "X", "", "request method (default GET, or POST with -d)")
	fs.StringVar(&o.data, "d", "", "request body")
	fs.Var(&o.headers, "H", "extra header field `Name: value` (repeatable)")
	fs.BoolVar(&o.noRedirect, "no-redirect", false, "print a 3xx response instead of following it")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound the whole request")
	fs.BoolVar(&o.verbose, "v", false, "print the response head and the client's counters to stderr")
	fs.StringVar(&o.caCert, "cacert", "", "trust the PEM certificates in `FILE` for https (instead of the defaults)")
	fs.BoolVar(&o.insecure, "insecure", false, "https without verifying the server's certificate (tests only)")
	return o
}

func main() {
	link := netup.Register(flag.CommandLine)
	opts := register(flag.CommandLine)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: httpget [flags] URL\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(link, opts, flag.Arg(0), os.Stdout, os.Stderr))
}

func run(link *netup.Flags, o *options, url string, stdout, stderr io.Writer) int {
	env, err := link.Up()
	if err != nil {
		fmt.Fprintln(stderr, "httpget:", err)
		return 1
	}
	defer env.Close()
	var demoRoots *x509.CertPool
	if env.Peer != nil {
		if err := serveDemo(env.Peer, env.Reactor); err != nil {
			fmt.Fprintln(stderr, "httpget: demo site:", err)
			return 1
		}
		if demoRoots, err = serveDemoTLS(env.Peer, env.Reactor); err != nil {
			fmt.Fprintln(stderr, "httpget: demo site:", err)
			return 1
		}
		if link.DNS == "" && !link.DHCP {
			env.Stack.SetDNS([]netip.Addr{env.PeerAddr})
		}
	}
	res, err := dns.New(env.Reactor, env.Stack, dns.Config{})
	if err != nil {
		fmt.Fprintln(stderr, "httpget:", err)
		return 1
	}
	tlsCfg, err := o.tlsConfig(demoRoots, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "httpget:", err)
		return 1
	}
	c, err := lhttp.New(env.Stack, lhttp.Config{Resolver: res, NoRedirects: o.noRedirect, Timeout: o.timeout,
		TLSDialer: &tlsstream.Dialer{
			Inner:  &stream.TCP{Host: env.Stack, Config: tcp.Config{NoDelay: true}},
			Config: tlsCfg,
		}})
	if err != nil {
		fmt.Fprintln(stderr, "httpget:", err)
		return 1
	}
	c.Spawn(env.Reactor)

	req := &lhttp.Request{Method: o.method, URL: url, Header: o.headers}
	if o.data != "" {
		req.Body = []byte(o.data)
		if req.Method == "" {
			req.Method = "POST"
		}
	}
	var werr error
	req.OnHead = func(resp *lhttp.Response) error {
		fmt.Fprintf(stderr, "HTTP/1.%d %d %s\n", resp.ProtoMinor, resp.Status, resp.Reason())
		if o.verbose {
			for i := 0; i < resp.NumHeaders(); i++ {
				n, v := resp.HeaderAt(i)
				fmt.Fprintf(stderr, "%s: %s\n", n, v)
			}
		}
		return nil
	}
	// The body goes out as it arrives; a write to a slow stdout holds the
	// reactor, which a program that only fetches can afford.
	req.OnData = func(p []byte) error {
		_, werr = stdout.Write(p)
		return werr
	}
	f := c.Do(req)
	// The request's own timeout ends it; this bound only guards a bug.
	env.Reactor.RunUntil(o.timeout+time.Minute, f.Done)
	resp, err := f.Result()
	if o.verbose {
		fmt.Fprintf(stderr, "%+v\n", c.Stats())
	}
	switch {
	case !f.Done():
		fmt.Fprintf(stderr, "httpget: %s: %v\n", url, lhttp.ErrTimeout)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "httpget: %s: %v\n", url, err)
		return 1
	case resp.Status < 200 || resp.Status > 299:
		return 1
	}
	return 0
}

// tlsConfig is the https configuration the flags ask for: -cacert's roots,
// or the loopback demo's CA, or the system's; -insecure verifies nothing.
func (o *options) tlsConfig(demo *x509.CertPool, stderr io.Writer) (*tlsx.Config, error) {
	cfg := &tlsx.Config{}
	switch {
	case o.insecure:
		fmt.Fprintln(stderr, "httpget: warning: -insecure: the server's certificate is not verified; anyone on the path can read and change this exchange")
		cfg.SkipCertificateVerification = true
	case o.caCert != "":
		pemCerts, err := os.ReadFile(o.caCert)
		if err != nil {
			return nil, err
		}
		if cfg.RootCAs, err = tlsx.RootsFromPEM(pemCerts); err != nil {
			return nil, fmt.Errorf("-cacert %s: %w", o.caCert, err)
		}
	case demo != nil:
		cfg.RootCAs = demo
	default:
		roots, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("no system roots (use -cacert): %w", err)
		}
		cfg.RootCAs = roots
	}
	return cfg, nil
}
