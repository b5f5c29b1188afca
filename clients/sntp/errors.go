package sntp

// Error is an SNTP client error, comparable with errors.Is and free of
// allocation.
type Error uint8

const (
	// ErrTimeout: no reply came from any server tried.
	ErrTimeout Error = iota + 1
	// ErrKissOfDeath: the server answered with a kiss-o'-death (stratum 0).
	// errors.Is matches it for every kiss code; the codes the client acts
	// on have their own values below, and Result.Kiss holds the code.
	ErrKissOfDeath
	// ErrKissRate: kiss code RATE; the client doubled its poll interval.
	ErrKissRate
	// ErrKissDeny: kiss code DENY; the client no longer asks that server.
	ErrKissDeny
	// ErrKissRestricted: kiss code RSTR; the client no longer asks that server.
	ErrKissRestricted
	// ErrUnsynchronised: the server's leap indicator says its clock is not
	// synchronised.
	ErrUnsynchronised
	// ErrStratum: the server's stratum is outside 1-15 (16 means
	// unsynchronised; 0 without a kiss code is invalid).
	ErrStratum
	// ErrBadOrigin: replies came, but none echoed the request's transmit
	// timestamp: spoofed, stale, or from a broken server.
	ErrBadOrigin
	// ErrBadReply: a reply echoed the request but is not a valid server
	// reply (mode, version, zero timestamps, or shorter than 48 bytes).
	ErrBadReply
	// ErrNoServers: no server is configured, or every one refused with
	// DENY or RSTR.
	ErrNoServers
	// ErrClosed: the client was closed.
	ErrClosed
)

var errorText = [...]string{
	ErrTimeout:        "sntp: no reply from any server",
	ErrKissOfDeath:    "sntp: kiss-o'-death",
	ErrKissRate:       "sntp: kiss-o'-death RATE: polling too often",
	ErrKissDeny:       "sntp: kiss-o'-death DENY: access denied",
	ErrKissRestricted: "sntp: kiss-o'-death RSTR: access restricted",
	ErrUnsynchronised: "sntp: server clock unsynchronised (leap indicator 3)",
	ErrStratum:        "sntp: server stratum out of range",
	ErrBadOrigin:      "sntp: replies did not echo the request (spoofed or stale)",
	ErrBadReply:       "sntp: malformed server reply",
	ErrNoServers:      "sntp: no usable NTP server",
	ErrClosed:         "sntp: client closed",
}

// Error returns a constant string; it does not allocate.
func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "sntp: unknown error"
}

// Is makes every kiss code's error match ErrKissOfDeath.
func (e Error) Is(target error) bool {
	return target == ErrKissOfDeath && (e == ErrKissRate || e == ErrKissDeny || e == ErrKissRestricted)
}

// Timeout reports whether the error is a timeout, as net.Error does.
func (e Error) Timeout() bool { return e == ErrTimeout }
