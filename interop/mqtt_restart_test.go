package interop

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
)

// bulkTotal is how many messages cross the broker's restart.
const bulkTotal = 10000

// bulkPayload is message i: its number, then filler, 64 bytes in all.
func bulkPayload(i int) []byte {
	p := fmt.Appendf(nil, "seq=%05d;", i)
	for len(p) < 64 {
		p = append(p, byte('a'+(i+len(p))%26))
	}
	return p
}

// bulkPublisher publishes bulkTotal QoS 1 messages as fast as the client's
// queue takes them, on the reactor goroutine: it stops at ErrQueueFull and
// goes on when a delivery makes room or the client reconnects.
type bulkPublisher struct {
	c         *mqtt.Client
	next      int // messages handed to Publish
	delivered int // PUBACKs
	queueFull int // ErrQueueFull answers (back-pressure, not errors)
	errs      []error
}

func (p *bulkPublisher) pump() {
	for p.c != nil && p.next < bulkTotal {
		if _, err := p.c.Publish("bulk/seq", bulkPayload(p.next), mqtt.AtLeastOnce, false); err != nil {
			if errors.Is(err, mqtt.ErrQueueFull) {
				p.queueFull++
			} else {
				p.errs = append(p.errs, fmt.Errorf("publish %d: %w", p.next, err))
			}
			return
		}
		p.next++
	}
}

func (p *bulkPublisher) onDelivered(_ mqtt.Token, err error) {
	if err != nil {
		p.errs = append(p.errs, fmt.Errorf("delivery: %w", err))
	} else {
		p.delivered++
	}
	p.pump()
}

// 10,000 QoS 1 messages from the device to a persistent-session
// mosquitto_sub, with mosquitto restarted gracefully halfway (persistence
// on): the device's 5.0 session and the subscriber's 3.1.1 session both
// survive it, the device resends what was unacknowledged and the
// subscriber receives every message, byte-exact. QoS 1 is at-least-once,
// so a restart can duplicate a message that crossed it (a PUBACK lost with
// the old broker process); duplicates are counted and each is explained
// (by its DUP flag and mosquitto's log, or the device's in-flight window),
// never hidden.
func TestMQTTPersistentSessionAcrossRestart(t *testing.T) {
	ns, d, broker := mqttTAP(t, mosquittoConfig{Persistence: true})
	sub := startMosquittoSub(t, ns, mqttBrokerAddr, mqttSubOpts{Topic: "bulk/#", QoS: 1, ID: "bulk-recv", Persistent: true, Timeout: 120})
	start := time.Now()

	p := &bulkPublisher{}
	const maxInflight = 16
	dev := newMQTTDevice(t, d, mqtt.Config{
		Broker: mqttBrokerAddr.String(), Version: mqtt.V5, ClientID: "bulk-send",
		CleanStart: false, SessionExpiry: time.Hour, KeepAlive: 10 * time.Second,
		ReconnectMin: 50 * time.Millisecond, ReconnectMax: 500 * time.Millisecond,
		MaxInflight: maxInflight,
		OnDelivered: p.onDelivered,
		OnConnect:   func(bool) { p.pump() },
	})
	dev.waitConnected(15 * time.Second)
	d.do(func() { p.c = dev.c; p.pump() })

	if !d.waitFor(30*time.Second, func() bool { return p.delivered >= bulkTotal/2 || len(p.errs) > 0 }) {
		t.Fatalf("half the messages not delivered within 30 s: %+v", dev.stats())
	}
	var atRestart int
	d.do(func() { atRestart = p.delivered })
	broker.restart()
	restarted := time.Since(start)

	if !d.waitFor(20*time.Second, func() bool { return p.delivered == bulkTotal || len(p.errs) > 0 }) {
		var next, delivered, inflight, window, qBytes, qMsgs int
		d.do(func() {
			next, delivered = p.next, p.delivered
			inflight, window = dev.c.Inflight()
			qBytes, qMsgs = dev.c.Queued()
		})
		t.Fatalf("%d published, %d delivered within 20 s; %d in flight (window %d), %d messages (%d bytes) queued; stats %+v",
			next, delivered, inflight, window, qMsgs, qBytes, dev.stats())
	}
	var errs []error
	var queueFull int
	d.do(func() { errs, queueFull = p.errs, p.queueFull })
	if len(errs) > 0 {
		t.Fatalf("the client reported errors: %v", errs)
	}
	// A marker after everything: once mosquitto_sub prints it, every
	// message before it (and every resend of one) has arrived.
	dev.publish("bulk/end", []byte("end"), mqtt.AtLeastOnce, false)
	sub.waitContains(" bulk/end\n", 60*time.Second)
	msgs := sub.stop()
	took := time.Since(start)

	// The device reconnected once, into its session.
	st := dev.stats()
	if st.Connects != 2 || st.Reconnects != 1 {
		t.Fatalf("device stats %+v, want 2 connects (1 reconnect)", st)
	}
	first, second := <-dev.connects, <-dev.connects
	if first || !second {
		t.Fatalf("session present %v at the first connect, %v after the restart; want false, true", first, second)
	}

	// Every message arrived, byte-exact; count the duplicates.
	seen := make([]int, bulkTotal)
	var dups []string
	type dupSeq struct {
		seq     int
		flagged bool
	}
	var dupSeqs []dupSeq
	dupFlagged := 0
	for _, m := range msgs {
		if m.Topic == "bulk/end" {
			continue
		}
		n, err := strconv.Atoi(string(m.Payload[4:min(9, len(m.Payload))]))
		if m.Topic != "bulk/seq" || err != nil || n < 0 || n >= bulkTotal || !bytes.Equal(m.Payload, bulkPayload(n)) || m.QoS != 1 {
			t.Fatalf("unexpected message %s", summarizeMQTT([]mqttMsg{m}))
		}
		seen[n]++
		if seen[n] > 1 {
			dups = append(dups, fmt.Sprintf("%d(dup=%v)", n, m.Dup))
			dupSeqs = append(dupSeqs, dupSeq{n, m.Dup})
			if m.Dup {
				dupFlagged++
			}
		}
	}
	var missing []int
	for i, c := range seen {
		if c == 0 {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d messages lost, first %v", len(missing), missing[:min(20, len(missing))])
	}
	// QoS 1 is at-least-once; the restart can duplicate in two ways.
	// mosquitto resends (flagged DUP) what it sent mosquitto_sub and saw
	// no PUBACK for when it stopped: by its log, the messages after the
	// first PUBACKs-received of the PUBLISHes-sent (it stops reading, with
	// acknowledgements still in its socket). And the device resends what
	// it had no PUBACK for; the broker, which does not deduplicate QoS 1,
	// forwards such a message again, not flagged: at most the device's
	// in-flight window.
	before := broker.log.String()
	before = before[:strings.Index(before, "terminating")]
	sentToSub := countLines(before, "Sending PUBLISH to bulk-recv")
	ackedBySub := countLines(before, "Received PUBACK from bulk-recv")
	for _, dup := range dupSeqs {
		if dup.flagged && (dup.seq < ackedBySub || dup.seq >= sentToSub) {
			t.Errorf("message %d came twice, flagged DUP, but mosquitto had its PUBACK (it logged %d PUBACKs of %d PUBLISHes sent before stopping)", dup.seq, ackedBySub, sentToSub)
		}
	}
	if len(dups)-dupFlagged > maxInflight {
		t.Errorf("%d duplicates not flagged DUP, more than the device's %d in flight explain: %v", len(dups)-dupFlagged, maxInflight, dups)
	}
	t.Logf("%d messages, broker restarted after %d delivered (%v in); %d duplicates (%d flagged DUP: mosquitto had sent mosquitto_sub %d and seen %d PUBACKs when it stopped); device resent %d; %d ErrQueueFull; %v in all",
		bulkTotal, atRestart, restarted.Round(time.Millisecond), len(dups), dupFlagged, sentToSub, ackedBySub, st.Retransmitted, queueFull, took.Round(time.Millisecond))
}
