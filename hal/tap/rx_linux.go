package tap

import (
	"syscall"
	"unsafe"

	"github.com/seed947b3480/legation/hal"
)

// scratchSize holds any frame a tap fd can return: one read returns exactly
// one frame, and a buffer shorter than the frame silently truncates it.
const scratchSize = 64 << 10

// reader is the receive goroutine's own state: the readv vector (a ring
// slot, then scratch so that a frame longer than the slot is read whole and
// recognised instead of silently truncated), its length, the last read's
// result, and the closure handed to the poller, made once so that reading
// allocates nothing.
type reader struct {
	scratch []byte
	iov     [2]syscall.Iovec
	niov    int
	n       int
	errno   syscall.Errno
	fn      func(fd uintptr) bool
}

// rxLoop is the receive goroutine: each frame is read straight into a slot
// of the receive ring (or into scratch when the ring is full, to be dropped)
// and handed to the port, which publishes it and wakes the reactor.
func (d *Device) rxLoop() {
	defer d.wg.Done()
	r := &d.r
	for {
		slot, ok := d.drv.LeaseRx()
		if ok {
			// One readv: the slot first, then scratch as overflow, so a frame
			// longer than the slot is read whole and its length is known.
			r.iov[0].Base = &slot[0]
			r.iov[0].SetLen(d.maxFrame)
			r.iov[1].Base = &r.scratch[0]
			r.iov[1].SetLen(len(r.scratch))
			r.niov = 2
		} else {
			r.iov[0].Base = &r.scratch[0]
			r.iov[0].SetLen(len(r.scratch))
			r.niov = 1
		}
		if err := d.raw.Read(r.fn); err != nil {
			return // the file was closed
		}
		if r.errno != 0 {
			// EBADFD (interface deleted), EFAULT, EINVAL: none goes away by
			// reading again, and the poller would report the fd readable for
			// ever, so stop here rather than spin.
			d.drv.RxError()
			d.drv.SetLink(hal.LinkDown)
			return
		}
		// A frame longer than the slot ran on into scratch: the port sees
		// n > MTU and drops it, leaving the slot to be leased again.
		d.drv.Received(r.n, ok)
	}
}

// readv is handed to the runtime poller: it answers false to be called again
// once the fd is readable.
func (r *reader) readv(fd uintptr) bool {
	for {
		n, _, errno := syscall.Syscall(syscall.SYS_READV, fd, uintptr(unsafe.Pointer(&r.iov[0])), uintptr(r.niov))
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.n, r.errno = int(n), errno
		return true
	}
}
