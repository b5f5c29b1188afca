package dhcp

// Error is a DHCP client error, comparable with errors.Is and free of
// allocation.
type Error uint8

const (
	// ErrTimeout: no lease within Config.Timeout. The client keeps trying.
	ErrTimeout Error = iota + 1
	// ErrStopped: Stop or Release ended the client before a lease.
	ErrStopped
	// ErrBadConfig: the configuration is inconsistent.
	ErrBadConfig
)

var errorText = [...]string{
	ErrTimeout:   "dhcp: no lease before the timeout",
	ErrStopped:   "dhcp: client stopped",
	ErrBadConfig: "dhcp: bad configuration",
}

func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "dhcp: unknown error"
}

// Timeout reports whether the error is a timeout, as net.Error does.
func (e Error) Timeout() bool { return e == ErrTimeout }
