package mqttbench

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/reactor"
)

// TestEngineFullQueueIsSent guards an engine bug found by the mosquitto
// restart test
// (interop.TestMQTTPersistentSessionAcrossRestart), reduced to a
// deterministic case: when the client's outgoing queue was filled exactly
// (the ring's tail came round to its head), the queued messages were never
// sent: 16 QoS 1 messages of 64 bytes each as queue entries filled a
// 1,024-byte queue before the first CONNACK and stayed there, while 15
// went out at once. In the restart test the queue filled while the broker
// was away, and after the reconnection nothing was resent or sent, ever:
// the client only pinged. Here the queue is filled until Publish refuses,
// and every message must then go out.
//
// The cause was clients/mqtt/queue.go's alloc letting an entry end exactly
// at the head, so that a full ring had head == tail; resumeSession and
// requeue (session.go) then set send = head = tail, and every walk of the
// ring that stops at tail (nextPublish, requeue, finishMarked) saw it
// empty. alloc now keeps tail short of head.
func TestEngineFullQueueIsSent(t *testing.T) {
	for _, fill := range []bool{false, true} {
		pair := newLegationPair(t, reactor.NewVirtualClock(0))
		a := newAcker(t, pair.peer)
		delivered := 0
		c, err := mqtt.New(pair.dev, mqtt.Config{
			Broker: brokerAddr.Addr().String(), ClientID: "full-queue", QueueBytes: 1024,
			OnDelivered: func(_ mqtt.Token, err error) {
				if err == nil {
					delivered++
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Spawn(pair.r)
		// PUBLISH "t", QoS 1, 45-byte payload: 52 bytes, 64 with the
		// queue entry's 12-byte header, so 16 would fill the queue
		// exactly. Publish 8, or until the queue refuses.
		n := 0
		for ; n < 100 && (fill || n < 8); n++ {
			if _, err := c.Publish("t", payload[:45], mqtt.AtLeastOnce, false); err != nil {
				if !fill || !errors.Is(err, mqtt.ErrQueueFull) {
					t.Fatalf("publish %d: %v", n, err)
				}
				break
			}
		}
		qBytes, _ := c.Queued()
		pair.r.RunUntil(time.Minute, func() bool { return delivered == n })
		if delivered != n || a.processed != int64(n) {
			t.Errorf("%d messages queued (%d of 1024 bytes) before connecting: %d delivered, %d reached the broker in a minute; stats %+v",
				n, qBytes, delivered, a.processed, c.Stats())
		}
	}
}
