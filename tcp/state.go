package tcp

// State is a connection state of RFC 9293 section 3.3.2.
type State uint8

// The states of RFC 9293's state diagram (figure 5). A Conn begins and ends
// in Closed; Listen belongs to listeners, which hand each SYN to a new Conn
// through AcceptSYN, so a Conn itself is never in it.
const (
	Closed State = iota
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
)

var stateNames = [...]string{
	Closed:      "CLOSED",
	Listen:      "LISTEN",
	SynSent:     "SYN-SENT",
	SynReceived: "SYN-RECEIVED",
	Established: "ESTABLISHED",
	FinWait1:    "FIN-WAIT-1",
	FinWait2:    "FIN-WAIT-2",
	CloseWait:   "CLOSE-WAIT",
	Closing:     "CLOSING",
	LastAck:     "LAST-ACK",
	TimeWait:    "TIME-WAIT",
}

// String returns the state's name as RFC 9293 spells it, "SYN-SENT" say.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN"
}

// synchronized reports whether both sequence spaces are known: the states
// from ESTABLISHED on, where RFC 9293 3.10.7.4 and RFC 5961 apply in full.
func (s State) synchronized() bool { return s >= Established }

// canSend reports whether the state may still carry our data or FIN: the
// states before our FIN is acknowledged.
func (s State) canSend() bool {
	switch s {
	case Established, CloseWait, FinWait1, Closing, LastAck:
		return true
	}
	return false
}

// canReceive reports whether data from the peer is still accepted: the
// states before the peer's FIN (RFC 9293 3.10.7.4, "seventh").
func (s State) canReceive() bool {
	switch s {
	case Established, FinWait1, FinWait2:
		return true
	}
	return false
}
