package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
)

// subMain subscribes and prints messages until -C of them have arrived or
// it is interrupted.
func subMain(args []string) int {
	fs := flag.NewFlagSet("sub", flag.ContinueOnError)
	o := registerCommon(fs, "sub")
	fs.StringVar(&o.topic, "t", "", "topic filter to subscribe to (+ and # wildcards)")
	count := fs.Int("C", 0, "exit after this many messages (0: run until interrupted)")
	verbose := fs.Bool("v", false, "print the topic, a space, then the payload")
	wait := fs.Duration("W", 0, "give up after this long without -C messages (0: wait forever)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "mqtt sub:", err)
		return 2
	}
	if *count < 0 {
		fmt.Fprintln(os.Stderr, "mqtt sub: -C must not be negative")
		return 2
	}
	if err := subscribe(o, *count, *verbose, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "mqtt sub:", err)
		return 1
	}
	return 0
}

func subscribe(o *common, count int, verbose bool, wait time.Duration) error {
	s, err := connect(o, mqtt.Config{
		OnConnectionLost: func(err error) {
			fmt.Fprintf(os.Stderr, "mqtt sub: connection lost (%v); reconnecting\n", err)
		},
	})
	if err != nil {
		return err
	}
	defer s.close()
	r := s.env.Reactor
	received := 0
	var line []byte
	f := s.c.Subscribe(o.topic, mqtt.QoS(o.qos), func(m *mqtt.Message) {
		if count > 0 && received >= count {
			return
		}
		received++
		// Topic and Payload are valid only during the callback: print now.
		line = line[:0]
		if verbose {
			line = append(append(line, m.Topic...), ' ')
		}
		line = append(append(line, m.Payload...), '\n')
		os.Stdout.Write(line)
	})
	r.RunUntil(o.timeout, func() bool { return f.Done() || s.interrupted })
	if !f.Done() {
		return fmt.Errorf("no SUBACK within %v", o.timeout)
	}
	ack, err := f.Result()
	if err != nil {
		return err
	}
	if ack.Reason >= 0x80 {
		return fmt.Errorf("subscription to %q refused (reason 0x%02x)", o.topic, ack.Reason)
	}
	fmt.Fprintf(os.Stderr, "mqtt sub: subscribed to %s (QoS %d)\n", o.topic, ack.QoS)

	limit := wait
	if limit <= 0 {
		limit = time.Duration(1<<63 - 1)
	}
	r.RunUntil(limit, func() bool { return (count > 0 && received >= count) || s.interrupted })
	s.disconnect()
	if count > 0 && received < count && !s.interrupted {
		return fmt.Errorf("%d of %d messages within %v", received, count, wait)
	}
	return nil
}
