package fault

import (
	"strconv"
	"strings"
	"time"
)

// DefaultMaxHeld is the pool size used when Config.MaxHeld is 0.
const DefaultMaxHeld = 64

// MaxMaxHeld bounds Config.MaxHeld: the pool is MaxHeld*MTU bytes.
const MaxMaxHeld = 1 << 16

// ReorderHold is how long a frame picked for reordering waits, beyond its
// delay, for a newer frame to overtake it. It is released right after the
// next newer frame in its direction goes through, or when this runs out if
// traffic stopped. With Reorder close to 1 nearly every frame waits and few
// overtake: reordering needs frames that pass.
const ReorderHold = 10 * time.Millisecond

// Config says which faults to inject. The zero Config injects none.
type Config struct {
	// Loss, Duplicate, Reorder and Corrupt are per-frame probabilities in
	// 0..1. A lost frame suffers nothing else. Corrupt flips one random bit
	// in one random byte past the 14-byte Ethernet header; a duplicate is a
	// clean copy of the frame and follows it.
	Loss, Duplicate, Reorder, Corrupt float64
	// Delay holds every frame this long; Jitter adds a uniformly random
	// extra in [0, Jitter), so with Jitter frames may overtake each other.
	Delay, Jitter time.Duration
	// Seed selects the fault sequence.
	Seed uint64
	// MaxHeld is how many frames the injector can hold at once, both
	// directions together (default 64).
	MaxHeld int
}

// String formats c as a spec ParseSpec reads back to the same Config, with
// zero fields left out, or "none" for the zero Config.
func (c Config) String() string {
	var b []byte
	item := func(key string) {
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = append(b, key...)
		b = append(b, '=')
	}
	prob := func(key string, p float64) {
		if p == 0 {
			return
		}
		item(key)
		// Percent reads best; keep it only where it parses back exactly.
		if pct := p * 100; pct/100 == p {
			b = strconv.AppendFloat(b, pct, 'g', -1, 64)
			b = append(b, '%')
		} else {
			b = strconv.AppendFloat(b, p, 'g', -1, 64)
		}
	}
	dur := func(key string, d time.Duration) {
		if d != 0 {
			item(key)
			b = append(b, d.String()...)
		}
	}
	prob("loss", c.Loss)
	prob("dup", c.Duplicate)
	prob("reorder", c.Reorder)
	prob("corrupt", c.Corrupt)
	dur("delay", c.Delay)
	dur("jitter", c.Jitter)
	if c.Seed != 0 {
		item("seed")
		b = strconv.AppendUint(b, c.Seed, 10)
	}
	if c.MaxHeld != 0 {
		item("maxheld")
		b = strconv.AppendInt(b, int64(c.MaxHeld), 10)
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// ParseSpec reads a comma-separated list of key=value items, every one
// optional, such as "loss=5%,delay=2ms,jitter=1ms,reorder=10%,dup=1%,corrupt=1%,seed=7,maxheld=128".
// Probabilities are a percentage ("5%") or a fraction ("0.05"); durations
// use time.ParseDuration; seed is an unsigned integer (0x prefix allowed).
// "" and "none" give the zero Config. A key given twice keeps the last value.
func ParseSpec(s string) (Config, error) {
	var c Config
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return c, nil
	}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		key, val, ok := strings.Cut(item, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" {
			return Config{}, &SpecError{Item: item, Kind: ErrSyntax}
		}
		var kind Error
		switch strings.ToLower(key) {
		case "loss":
			c.Loss, kind = parseProb(val)
		case "dup", "duplicate":
			c.Duplicate, kind = parseProb(val)
		case "reorder":
			c.Reorder, kind = parseProb(val)
		case "corrupt":
			c.Corrupt, kind = parseProb(val)
		case "delay":
			c.Delay, kind = parseDur(val)
		case "jitter":
			c.Jitter, kind = parseDur(val)
		case "seed":
			var err error
			if c.Seed, err = strconv.ParseUint(val, 0, 64); err != nil {
				kind = ErrBadValue
			}
		case "maxheld":
			n, err := strconv.Atoi(val)
			switch {
			case err != nil:
				kind = ErrBadValue
			case n < 0 || n > MaxMaxHeld:
				kind = ErrOutOfRange
			}
			c.MaxHeld = n
		default:
			kind = ErrUnknownKey
		}
		if kind != 0 {
			return Config{}, &SpecError{Item: item, Kind: kind}
		}
	}
	return c, nil
}

func parseProb(s string) (float64, Error) {
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = strings.TrimSpace(t), 100
	}
	p, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, ErrBadValue
	}
	p /= scale
	// Written this way round so NaN fails too.
	if !(p >= 0 && p <= 1) {
		return 0, ErrOutOfRange
	}
	return p, 0
}

func parseDur(s string) (time.Duration, Error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, ErrBadValue
	}
	if d < 0 {
		return 0, ErrOutOfRange
	}
	return d, 0
}
