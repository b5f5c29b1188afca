package tap

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/ringdev"
)

// cloneNewNet is CLONE_NEWNET, which the syscall package does not export; it
// is the same on every Linux architecture.
const cloneNewNet = 0x40000000

// ifreqFlags is struct ifreq with the ifr_flags member of its union, in the
// host's own layout (the kernel reads it as a C struct, so a native uint16 is
// right on both byte orders). 40 bytes covers the union on 64-bit systems; a
// 32-bit kernel reads fewer.
type ifreqFlags struct {
	name  [ifNameSize]byte
	flags uint16
	_     [22]byte
}

// Open attaches to (or creates) the tap interface cfg.Name, inside
// cfg.Netns if set, and starts the device's goroutines. Configure the
// kernel side (address, MTU, link up) after Open returns.
func Open(cfg Config) (*Device, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var fd int
	var name string
	if cfg.Netns == "" {
		fd, name, err = openTap(cfg.Name)
	} else {
		fd, name, err = openTapIn(cfg.Netns, cfg.Name)
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "/dev/net/tun") // pollable: fd is O_NONBLOCK
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %w", ErrOpen, err)
	}
	maxFrame := cfg.MTU + ethHeader
	drv := ringdev.New(hal.NewRing(cfg.RxSlots, maxFrame), hal.NewRing(cfg.TxSlots, maxFrame), maxFrame, 0)
	d := &Device{
		port:     drv.Port(),
		drv:      drv,
		name:     name,
		addr:     cfg.HWAddr,
		maxFrame: maxFrame,
		file:     f,
		raw:      raw,
		done:     make(chan struct{}),
	}
	d.r.scratch = make([]byte, scratchSize)
	d.r.fn = d.r.readv
	drv.SetLink(hal.LinkUp)
	d.wg.Add(2)
	go d.rxLoop()
	go d.txLoop()
	return d, nil
}

// openTap opens /dev/net/tun in the calling thread's network namespace and
// attaches it to the tap interface name (IFF_TAP|IFF_NO_PI: bare Ethernet
// frames, no packet-info prefix).
func openTap(name string) (fd int, ifname string, err error) {
	fd, err = syscall.Open("/dev/net/tun", syscall.O_RDWR|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", fmt.Errorf("%w: /dev/net/tun: %w", ErrOpen, err)
	}
	var ifr ifreqFlags
	copy(ifr.name[:], name)
	ifr.flags = syscall.IFF_TAP | syscall.IFF_NO_PI
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TUNSETIFF, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		syscall.Close(fd)
		return -1, "", fmt.Errorf("%w: TUNSETIFF %q: %w", ErrOpen, name, errno)
	}
	n := 0
	for n < len(ifr.name) && ifr.name[n] != 0 {
		n++
	}
	return fd, string(ifr.name[:n]), nil
}

// openTapIn runs openTap inside the network namespace netns. Namespaces are
// per thread, so this happens on a goroutine locked to its thread; if the
// thread cannot be moved back, it stays locked and the runtime discards it
// when the goroutine ends, so no other goroutine ever runs in the wrong
// namespace.
func openTapIn(netns, name string) (fd int, ifname string, err error) {
	path := netns
	if path[0] != '/' {
		path = "/var/run/netns/" + netns
	}
	type result struct {
		fd     int
		ifname string
		err    error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		var r result
		defer func() { ch <- r }()
		orig, err := syscall.Open("/proc/thread-self/ns/net", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			r.err = fmt.Errorf("%w: current namespace: %w", ErrNetns, err)
			runtime.UnlockOSThread()
			return
		}
		defer syscall.Close(orig)
		target, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			r.err = fmt.Errorf("%w: %s: %w", ErrNetns, path, err)
			runtime.UnlockOSThread()
			return
		}
		defer syscall.Close(target)
		if err := setns(target); err != nil {
			r.err = fmt.Errorf("%w: enter %s: %w", ErrNetns, path, err)
			runtime.UnlockOSThread() // setns failed: still in the original namespace
			return
		}
		r.fd, r.ifname, r.err = openTap(name)
		if err := setns(orig); err != nil {
			if r.err == nil {
				syscall.Close(r.fd)
				r.fd = -1
			}
			r.err = fmt.Errorf("%w: return from %s: %w", ErrNetns, path, err)
			return // thread stays locked: the runtime drops it with this goroutine
		}
		runtime.UnlockOSThread()
	}()
	r := <-ch
	return r.fd, r.ifname, r.err
}

func setns(fd int) error {
	if _, _, errno := syscall.RawSyscall(sysSetns, uintptr(fd), cloneNewNet, 0); errno != 0 {
		return errno
	}
	return nil
}
