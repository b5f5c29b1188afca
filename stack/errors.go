package stack

// Error is a stack error, comparable with errors.Is and free of allocation.
type Error uint8

const (
	ErrBadConfig  Error = iota + 1 // the configuration is inconsistent
	ErrNoAddress                   // the stack has no IPv4 address yet
	ErrNoRoute                     // no route to the destination
	ErrLinkDown                    // the device's link is down
	ErrDeviceBusy                  // the device has no transmit buffer free
	ErrPortInUse                   // the TCP port (or every ephemeral port) is taken
	ErrNoTCPSlot                   // every TCP connection record of the stack's Resources is taken
)

var errorText = [...]string{
	ErrBadConfig:  "stack: bad configuration",
	ErrNoAddress:  "stack: no IPv4 address configured",
	ErrNoRoute:    "stack: no route to host",
	ErrLinkDown:   "stack: link down",
	ErrDeviceBusy: "stack: device transmit queue full",
	ErrPortInUse:  "stack: TCP port in use",
	ErrNoTCPSlot:  "stack: no TCP connection record free",
}

func (e Error) Error() string {
	if int(e) < len(errorText) && errorText[e] != "" {
		return errorText[e]
	}
	return "stack: unknown error"
}
