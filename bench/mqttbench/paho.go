package mqttbench

import (
	"errors"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// startPaho connects a paho client over the kernel's loopback to a TCP
// listener of a fresh broker and returns the run function.
func startPaho(tb testing.TB, qos byte) (run func(n int) error, b *broker) {
	tb.Helper()
	b = newBroker(tb)
	addr := b.listenTCP(tb)
	opts := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("paho-bench").
		SetCleanSession(true).SetAutoReconnect(false).SetKeepAlive(60 * time.Second).
		SetProtocolVersion(4).SetConnectTimeout(10 * time.Second)
	c := paho.NewClient(opts)
	if t := c.Connect(); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		tb.Fatalf("paho connect to %s: %v", addr, t.Error())
	}
	tb.Cleanup(func() { c.Disconnect(100) })

	var tokens [window]paho.Token
	var sent int64 // publishes so far, over every run
	wait := func(t paho.Token) error {
		if !t.WaitTimeout(10 * time.Second) {
			return errors.New("paho: no PUBACK within 10 s")
		}
		return t.Error()
	}
	waitBroker := func(n int64) error { return b.waitPublished(n, 10*time.Second) }
	run = func(n int) error {
		for range n {
			slot := sent % window
			if sent >= window {
				var err error
				if qos == 0 {
					err = waitBroker(sent - window + 1)
				} else {
					err = wait(tokens[slot])
				}
				if err != nil {
					return err
				}
			}
			tokens[slot] = c.Publish(topic, qos, false, payload)
			sent++
		}
		// Finish every outstanding publish before returning.
		if qos == 0 {
			return waitBroker(sent)
		}
		for i := max(sent-window, 0); i < sent; i++ {
			if err := wait(tokens[i%window]); err != nil {
				return err
			}
		}
		return nil
	}
	return run, b
}
