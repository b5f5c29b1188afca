package app

import (
	"bytes"
	"strconv"

	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/servers/dashboard"
)

// onCommand takes one command from PREFIX/cmd, applies it, logs it on the
// dashboard and answers on PREFIX/reply.
func (m *mqttApp) onCommand(msg *mqtt.Message) {
	if m.d.stopping {
		return
	}
	p := bytes.TrimSpace(msg.Payload)
	tooLong := len(p) > maxCommand
	if tooLong {
		p = p[:maxCommand]
	}
	m.commands++
	m.last = append(m.last[:0], p...)
	verb, arg, _ := bytes.Cut(p, []byte(" "))
	arg = bytes.TrimSpace(arg)
	log := &m.d.log
	r := m.reply[:0]
	if tooLong {
		verb = nil
		r = append(r, "error: command longer than 128 bytes"...)
	}
	switch string(verb) {
	case "":
		if len(r) == 0 {
			r = append(r, "error: empty command"...)
		}
	case "led":
		switch string(arg) {
		case "on":
			m.led = true
		case "off":
			m.led = false
		case "toggle":
			m.led = !m.led
		default:
			r = append(r, `error: want "led on", "led off" or "led toggle"`...)
		}
		if len(r) == 0 {
			r = append(r, "led "...)
			r = append(r, onOff(m.led)...)
		}
	case "name":
		if len(arg) == 0 || !printable(arg) {
			r = append(r, "error: want \"name TEXT\" (printable)"...)
			break
		}
		m.d.setName(string(arg))
		r = append(r, "name "...)
		r = append(r, arg...)
	case "log":
		r = append(r, "logged"...)
	case "ping":
		r = append(r, "pong"...)
	case "report":
		m.publishTelemetry(m.d.r.Now())
		r = append(r, "reported"...)
	default:
		r = append(r, "error: unknown command; try led on|off|toggle, name TEXT, log TEXT, ping, report"...)
	}
	m.reply = r
	level := dashboard.LevelInfo
	if bytes.HasPrefix(r, []byte("error")) {
		level = dashboard.LevelWarn
	}
	if string(verb) == "log" {
		log.AppendTo(level, func(b []byte) []byte {
			return append(append(b, "mqtt: "...), arg...)
		})
	} else {
		// Quoted, the command takes up to 4 bytes a byte: only its
		// start and the reply's go in, so the line fits its slot.
		log.AppendTo(level, func(b []byte) []byte {
			b = append(b, "mqtt command "...)
			b = strconv.AppendQuote(b, string(p[:min(len(p), maxLoggedCommand)]))
			b = append(b, ": "...)
			return append(b, r[:min(len(r), maxLoggedReply)]...)
		})
	}
	m.c.Publish(m.replyTopic, r, mqtt.AtLeastOnce, false)
}

// What of a command and its reply goes in its log line: quoted, the
// command takes at most 2+4*maxLoggedCommand bytes, which with the reply
// and the words around them fits dashboard.MaxLineLen, so the line is
// formatted in its slot without allocating.
const (
	maxLoggedCommand = 24
	maxLoggedReply   = 40
)

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// printable reports whether b is printable ASCII, so that a name cannot
// carry control characters onto the page or into the log.
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
