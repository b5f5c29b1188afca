package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/seed947b3480/legation/clients/mqtt"
)

// pubMain publishes one message and exits once it is delivered.
func pubMain(args []string) int {
	fs := flag.NewFlagSet("pub", flag.ContinueOnError)
	o := registerCommon(fs, "pub")
	fs.StringVar(&o.topic, "t", "", "topic to publish to")
	message := fs.String("m", "", "message payload")
	retain := fs.Bool("r", false, "retain the message")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "mqtt pub:", err)
		return 2
	}
	if err := publish(o, []byte(*message), *retain); err != nil {
		fmt.Fprintln(os.Stderr, "mqtt pub:", err)
		return 1
	}
	return 0
}

func publish(o *common, payload []byte, retain bool) error {
	var delivered bool
	var deliveryErr error
	var lost error
	s, err := connect(o, mqtt.Config{
		NoReconnect: true,
		// The one message published; for QoS 0 this may run inside
		// Publish, before its token is known.
		OnDelivered: func(_ mqtt.Token, err error) {
			delivered, deliveryErr = true, err
		},
		OnConnectionLost: func(err error) { lost = err },
	})
	if err != nil {
		return err
	}
	defer s.close()
	r := s.env.Reactor
	if _, err = s.c.Publish(o.topic, payload, mqtt.QoS(o.qos), retain); err != nil {
		return err
	}
	r.RunUntil(o.timeout, func() bool { return delivered || lost != nil || s.interrupted })
	switch {
	case delivered && deliveryErr != nil:
		return deliveryErr
	case delivered:
		s.disconnect()
		return nil
	case lost != nil:
		return fmt.Errorf("connection lost before delivery: %w", lost)
	case s.interrupted:
		return fmt.Errorf("interrupted before delivery")
	}
	return fmt.Errorf("not delivered within %v", o.timeout)
}
