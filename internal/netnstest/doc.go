// Package netnstest gives tests a private Linux network namespace to put a
// tap interface in, with the kernel side configured by ip(8), and removes it
// again, with every process started inside it, when the test ends.
//
// It is for the _test.go files of other packages: driver tests (hal/tap) and
// tests of the stack against the Linux kernel and the tools that run on it.
// All traffic stays inside the namespace, so tests never touch the host's
// own interfaces.
//
// What it does not do: it does not open the tap fd (the driver under test
// does that, inside the namespace, before ConfigureTap brings the link up),
// and it does not install tools: Require skips a test, visibly, when it is
// not root or ip(8) is missing.
package netnstest
