// Package app is the demo device of examples/device as a package: over a
// reactor and a configured stack it runs the HTTP server with the built-in
// dashboard (and its live WebSocket feed), an MQTT client that publishes
// the device's uptime and counters every few seconds and takes commands on
// a subscribed topic, an SNTP client that keeps the device's clock, a DNS
// resolver for the names among them, and a monitor that logs the address,
// link and DHCP changes. Everything it does is shown on the dashboard.
//
// It reads no wall clock and starts no goroutine: it runs the same on
// reactor.RealClock (the program) and on a reactor.VirtualClock over the
// in-memory link (tests and footprint measurements), where ServeDemoPeer
// puts the demo broker and NTP server on the link's other stack.
//
//	d, err := app.New(r, st, app.Config{Name: "pump-7", MQTT: "10.0.2.2", NTP: "10.0.2.2"})
//	err = d.Start()          // on the reactor goroutine, or before r runs
//
// MQTT topics, under Config.MQTTPrefix ("legation/NAME" by default):
//
//	PREFIX/telemetry  JSON every MQTTEvery: uptime, LED, counters, clock (QoS 0)
//	PREFIX/status     "online" once connected, "offline" as the will and at shutdown (retained)
//	PREFIX/cmd        commands the device subscribes to (QoS 1)
//	PREFIX/reply      each command's answer (QoS 1)
//
// Commands (one per message, case-sensitive): "led on", "led off",
// "led toggle", "name TEXT" (renames the device on the dashboard), "log
// TEXT" (a line in the dashboard's log), "ping" (answers "pong"),
// "report" (telemetry now). Each one is logged on the dashboard and
// reflected in /api/info's "app" object (led, commands, last_command).
package app
