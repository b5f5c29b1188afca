package tap

// Error is the type of the errors this package returns; compare with
// errors.Is. Errors from the operating system are wrapped after one of these,
// so errors.Is also finds the underlying syscall.Errno or fs error.
type Error uint8

const (
	// ErrUnsupported: TAP devices exist only on Linux.
	ErrUnsupported Error = iota + 1
	// ErrConfig: a Config field is out of range.
	ErrConfig
	// ErrNetns: the named network namespace could not be entered or left.
	ErrNetns
	// ErrOpen: /dev/net/tun could not be opened or attached to the interface.
	ErrOpen
	// ErrClosed: the device was already closed.
	ErrClosed
)

func (e Error) Error() string {
	switch e {
	case ErrUnsupported:
		return "tap: not supported on this operating system"
	case ErrConfig:
		return "tap: invalid configuration"
	case ErrNetns:
		return "tap: cannot switch network namespace"
	case ErrOpen:
		return "tap: cannot open tap interface"
	case ErrClosed:
		return "tap: device closed"
	}
	return "tap: unknown error"
}
