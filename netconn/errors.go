package netconn

import (
	"os"
	"syscall"

	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/udp"
)

// sysError is a legation error as code written for package net expects to
// see it: errors.Is matches both the legation error and the errno the
// kernel gives for the same event, so errors.Is(err, tcp.ErrReset) and
// errors.Is(err, syscall.ECONNRESET) both hold. The values are made once.
type sysError struct {
	err   error
	errno syscall.Errno
}

func (e *sysError) Error() string   { return e.err.Error() }
func (e *sysError) Unwrap() []error { return []error{e.err, e.errno} }

// Timeout reports whether the legation error is a timeout (a connect, user
// or keep-alive timeout), so net.Error's Timeout holds for them as it does
// for ETIMEDOUT.
func (e *sysError) Timeout() bool {
	t, ok := e.err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

// Temporary is false: nothing here goes away by retrying the same call.
func (e *sysError) Temporary() bool { return false }

var sysErrors = [...]*sysError{
	{tcp.ErrReset, syscall.ECONNRESET},
	{tcp.ErrRefused, syscall.ECONNREFUSED},
	{tcp.ErrConnectTimeout, syscall.ETIMEDOUT},
	{tcp.ErrUserTimeout, syscall.ETIMEDOUT},
	{tcp.ErrKeepAliveTimeout, syscall.ETIMEDOUT},
	{tcp.ErrAborted, syscall.ECONNABORTED},
	{tcp.ErrClosed, syscall.EPIPE}, // the sending side is shut down
	{stack.ErrNoRoute, syscall.EHOSTUNREACH},
	{stack.ErrNoAddress, syscall.EADDRNOTAVAIL},
	{stack.ErrLinkDown, syscall.ENETDOWN},
	{stack.ErrPortInUse, syscall.EADDRINUSE},
	{udp.ErrAddressInUse, syscall.EADDRINUSE},
	{udp.ErrNoPorts, syscall.EAGAIN},
	{udp.ErrTooLarge, syscall.EMSGSIZE},
	{udp.ErrBadAddress, syscall.EINVAL},
	{udp.ErrAddressFamily, syscall.EAFNOSUPPORT},
}

// sysErr returns err with its errno attached, if it has one.
func sysErr(err error) error {
	for _, e := range sysErrors {
		if e.err == err {
			return e
		}
	}
	return err
}

// errTimeout is what a call whose deadline passed fails with, inside a
// *net.OpError, as in package net.
var errTimeout = os.ErrDeadlineExceeded
