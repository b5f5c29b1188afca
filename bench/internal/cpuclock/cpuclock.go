// Package cpuclock reads the CPU time the benchmark process has used, so
// benchmarks can report cpu-ns/op beside ns/op.
package cpuclock

import (
	"syscall"
	"time"
)

// Process returns the CPU time the process has used so far, user and
// system, on every thread. Per op it is the cost of the work whatever
// waited for whom: a kernel round trip on one P spends part of its
// wall-clock time asleep in the scheduler or in epoll, which ns/op counts
// and cpu-ns/op does not, while the kernel's own TCP work (system time)
// is in cpu-ns/op. A legation case that never sleeps has the two agree.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
