package netnstest

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Enter runs fn on an OS thread that has entered the named network
// namespace, so sockets fn opens belong to it; the thread returns to its
// own namespace afterwards. It returns the error of entering, not fn's,
// and panics only if the thread cannot go back (it must not return to the
// pool in the wrong namespace). It is safe on any goroutine.
func Enter(name string, fn func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(orig)
	target, err := unix.Open("/var/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return err
	}
	defer func() {
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			panic("cannot return to the original network namespace: " + err.Error())
		}
	}()
	fn()
	return nil
}
