// Package reactor is legation's event loop: one goroutine that owns all stack
// state and polls tasks.
//
// A Task is polled with the current Instant and answers the Instant at which it
// next needs to run (Never if only a wake can give it work). The reactor sleeps
// until the earliest of those deadlines or until something wakes it. Timers are
// therefore data held by the tasks, never callbacks fired on other goroutines.
//
// Time comes from a Clock: RealClock for programs, VirtualClock for tests and
// simulations, where whole networks run in simulated time, deterministically
// and as fast as the CPU allows. Code below this package never reads the clock;
// it is handed the instant.
//
// Other goroutines (device drivers, net.Conn adapters) reach the reactor only
// through its wake queue: Wake on a task handle or on the reactor, and Post to
// run a function on the reactor goroutine. Futures carry results that take
// time, with completion callbacks that run on the reactor goroutine.
package reactor
