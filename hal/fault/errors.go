package fault

// Error is the kind of a ParseSpec failure, comparable with errors.Is.
type Error uint8

const (
	// ErrSyntax: an item is not key=value.
	ErrSyntax Error = iota + 1
	// ErrUnknownKey: a key that is not one of loss, dup, reorder, corrupt,
	// delay, jitter, seed, maxheld.
	ErrUnknownKey
	// ErrBadValue: a value that does not parse as its key's type.
	ErrBadValue
	// ErrOutOfRange: a probability outside 0..1 (0%..100%), a negative
	// duration, or a pool size outside 0..MaxMaxHeld.
	ErrOutOfRange
)

var errText = [...]string{
	ErrSyntax:     "fault: item is not key=value",
	ErrUnknownKey: "fault: unknown key",
	ErrBadValue:   "fault: bad value",
	ErrOutOfRange: "fault: value out of range",
}

func (e Error) Error() string {
	if int(e) < len(errText) && errText[e] != "" {
		return errText[e]
	}
	return "fault: unknown error"
}

// SpecError says which item of a spec was wrong. errors.Is(err, ErrXxx)
// matches its Kind.
type SpecError struct {
	Item string
	Kind Error
}

func (e *SpecError) Error() string { return e.Kind.Error() + ": " + e.Item }

func (e *SpecError) Unwrap() error { return e.Kind }
