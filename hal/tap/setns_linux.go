//go:build linux && !amd64 && !386

package tap

import "syscall"

const sysSetns = syscall.SYS_SETNS
