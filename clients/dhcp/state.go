package dhcp

// State is the client's state (RFC 2131 figure 5, plus probing).
type State uint8

const (
	StateStopped    State = iota // not started, or stopped
	StateInit                    // waiting to send the first DISCOVER
	StateSelecting               // DISCOVER sent, waiting for an OFFER
	StateRequesting              // REQUEST sent for an offer, waiting for ACK or NAK
	StateProbing                 // ACK received, ARP-probing the address before using it
	StateBound                   // configured; waiting for T1
	StateRenewing                // T1 passed; REQUEST unicast to the leasing server
	StateRebinding               // T2 passed; REQUEST broadcast to any server
	StateInitReboot              // about to ask for a known address back
	StateRebooting               // REQUEST for a known address sent, waiting for ACK or NAK
	StateReleasing               // RELEASE sent, waiting for it to leave
	StateStarting                // started, not yet polled
)

var stateText = [...]string{
	StateStopped: "STOPPED", StateInit: "INIT", StateSelecting: "SELECTING", StateRequesting: "REQUESTING",
	StateProbing: "PROBING", StateBound: "BOUND", StateRenewing: "RENEWING", StateRebinding: "REBINDING",
	StateInitReboot: "INIT-REBOOT", StateRebooting: "REBOOTING", StateReleasing: "RELEASING",
	StateStarting: "STARTING",
}

// String returns the RFC's name for the state; it does not allocate.
func (s State) String() string {
	if int(s) < len(stateText) {
		return stateText[s]
	}
	return "UNKNOWN"
}
