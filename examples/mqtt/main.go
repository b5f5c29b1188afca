// Command mqtt publishes and subscribes with legation's MQTT client, in the
// manner of mosquitto_pub and mosquitto_sub:
//
//	mqtt pub [-broker ADDR[:PORT]] -t TOPIC -m MESSAGE [-q QOS] [-r] [-V 311|5]
//	mqtt sub [-broker ADDR[:PORT]] -t FILTER [-q QOS] [-C COUNT] [-v] [-V 311|5]
//
// pub publishes one message and exits 0 once it is delivered (QoS 0:
// written to the connection; QoS 1: PUBACK; QoS 2: PUBCOMP). sub
// subscribes, prints each message's payload on its own line (with -v, the
// topic, a space and the payload) and exits after -C messages, or runs
// until interrupted. Both take the shared link and address flags (-link,
// -addr, -gw, -dns, -dhcp, -pcap, -fault, -trace); ADDR is an IPv4 address
// or a host name, looked up with the stack's DNS servers (-dns, or the
// DHCP lease's). Errors are the client's typed errors on stderr and exit
// status 1; bad usage exits 2.
//
// On the default loopback link there is no real broker, so the peer stack
// in the same process runs a small demo broker (examples/internal/demobroker) and is the
// default -broker: it acknowledges QoS 0, 1 and 2, keeps retained
// messages, holds the retained message "hello from the loopback demo
// broker" on legation/demo and publishes "tick N" on legation/demo/tick
// every half second, so both commands run anywhere:
//
//	go run ./examples/mqtt pub -t legation/demo/x -m hello -q 2
//	go run ./examples/mqtt sub -t 'legation/#' -q 1 -C 3
//
// Against a real broker, over TAP (see the README) or QEMU's user-mode
// network, where the host's broker is 10.0.2.2:
//
//	ip netns exec lg go run ./examples/mqtt sub -link tap:tap0 -broker 10.77.0.1 -t 'sensors/#' -C 10
//	go run ./examples/mqtt pub -link qemu:127.0.0.1:5555 -dhcp -broker 10.0.2.2 -t hello -m world -q 1
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "pub":
		os.Exit(pubMain(os.Args[2:]))
	case "sub":
		os.Exit(subMain(os.Args[2:]))
	case "-h", "-help", "--help", "help":
		usage()
		os.Exit(0)
	default:
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  mqtt pub [flags] -t TOPIC -m MESSAGE [-q QOS] [-r]
  mqtt sub [flags] -t FILTER [-q QOS] [-C COUNT] [-v]
Run "mqtt pub -h" or "mqtt sub -h" for every flag.`)
}

// parse parses args into fs, answering the exit status if it should stop.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "mqtt %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, false
	}
	return 0, true
}
