package fault

import (
	"math/rand/v2"

	"github.com/seed947b3480/legation/hal"
)

// maxSkipPerReceive bounds how many frames one Receive may swallow (lost or
// held) before giving up, so a flood at 100% loss cannot keep the stack's
// goroutine in one call; the device wakes itself to be polled again.
const maxSkipPerReceive = 256

// Device is the fault-injecting middleware. Like any hal.Device it is used
// from one goroutine; Stats may be read from any.
type Device struct {
	dev     hal.Device
	clocked hal.Clocked // dev as a Clocked, or nil
	cfg     Config
	pool    *pool
	rng     [2]*rand.Rand
	seq     [2]uint64
	now     int64
	waker   hal.Waker

	// The frame lent by Receive: a pool slot (rxSlot >= 0) or the wrapped
	// device's own buffer (rxSlot < 0 and rxLent).
	rxFrame []byte
	rxSlot  int
	rxLent  bool

	txBuf []byte // the wrapped device's buffer lent by Transmit, until Commit

	n [2]dirCounters
}

var (
	_ hal.Device  = (*Device)(nil)
	_ hal.Clocked = (*Device)(nil)
	_ hal.Closer  = (*Device)(nil)
)

// New wraps dev. The pool of held frames is allocated here, MaxHeld slots of
// dev's MTU.
func New(dev hal.Device, cfg Config) *Device {
	if cfg.MaxHeld <= 0 {
		cfg.MaxHeld = DefaultMaxHeld
	}
	cfg.MaxHeld = min(cfg.MaxHeld, MaxMaxHeld)
	d := &Device{
		dev:    dev,
		cfg:    cfg,
		pool:   newPool(cfg.MaxHeld, dev.Capabilities().MTU),
		rxSlot: -1,
	}
	d.clocked, _ = dev.(hal.Clocked)
	// One stream per direction, so how the stack interleaves sending and
	// receiving does not change the faults of either.
	d.rng[dirRX] = rand.New(rand.NewPCG(cfg.Seed, 0x5258)) // "RX"
	d.rng[dirTX] = rand.New(rand.NewPCG(cfg.Seed, 0x5458)) // "TX"
	return d
}

// Config returns the configuration in use, defaults filled in.
func (d *Device) Config() Config { return d.cfg }

// Stats returns a snapshot of the counters of both directions.
func (d *Device) Stats() Stats {
	return Stats{RX: d.n[dirRX].snapshot(), TX: d.n[dirTX].snapshot()}
}

// Capabilities forwards to the wrapped device.
func (d *Device) Capabilities() hal.Capabilities { return d.dev.Capabilities() }

// LinkState forwards to the wrapped device.
func (d *Device) LinkState() hal.LinkState { return d.dev.LinkState() }

// HardwareAddr forwards to the wrapped device.
func (d *Device) HardwareAddr() hal.HardwareAddr { return d.dev.HardwareAddr() }

// SetWaker forwards to the wrapped device and keeps w to wake the stack
// itself when Receive stopped with frames still waiting.
func (d *Device) SetWaker(w hal.Waker) {
	d.waker = w
	d.dev.SetWaker(w)
}

// Tick takes nowNanos as the current instant, sends the transmit frames that
// are due, and answers the next instant a held frame falls due (now, if a
// received frame is due and waiting for Receive), the earlier of that and
// the wrapped device's answer if it is Clocked. Transmit frames that are due
// but wait for room in the wrapped device do not count: the device wakes the
// stack when room frees up.
func (d *Device) Tick(nowNanos int64) (int64, bool) {
	d.now = nowNanos
	// The wrapped device learns the instant before the due frames reach it,
	// so a Clocked one (another injector, say) stamps them with it.
	var inner int64
	innerOK := false
	if d.clocked != nil {
		inner, innerOK = d.clocked.Tick(nowNanos)
	}
	if d.flushTX() > 0 && d.clocked != nil {
		// What was just sent may change its answer.
		inner, innerOK = d.clocked.Tick(nowNanos)
	}
	next, ok := d.pool.earliest(dirRX, 0, false)
	if ok && next < nowNanos {
		next = nowNanos
	}
	if t, tok := d.pool.earliest(dirTX, nowNanos, true); tok && (!ok || t < next) {
		next, ok = t, true
	}
	if innerOK && (!ok || inner < next) {
		next, ok = inner, true
	}
	return next, ok
}

// Close drops the held frames and closes the wrapped device if it is a
// hal.Closer.
func (d *Device) Close() error {
	if d.rxLent {
		d.ReleaseRx()
	}
	d.pool.clear()
	if c, ok := d.dev.(hal.Closer); ok {
		return c.Close()
	}
	return nil
}
