// Package mqttbench is the side-by-side MQTT publish benchmark: legation's
// clients/mqtt on a userspace stack joined by hal/loopback to a peer stack
// whose netconn listener feeds an in-process broker
// (github.com/mochi-mqtt/server/v2), against github.com/eclipse/paho.mqtt.golang
// on the kernel's loopback to a TCP listener of the same broker:
//
//	cd bench && go test -run '^$' -bench MQTTPublish -benchmem ./mqttbench/
//
// An op is one PUBLISH of a 64-byte payload on a fixed topic that is
// finished: for QoS 1 the client has received its PUBACK (paho's token
// completed; legation's Config.OnDelivered ran), for QoS 0, which has no
// acknowledgement, the broker has processed it (mochi's OnPublished hook
// ran). The client keeps at most window (16) publishes unfinished: before
// publishing message i it waits until message i-16 is finished, and the
// timer stops when all b.N are. So an op measures throughput with a bounded
// pipeline, not a lone round trip, and both clients are held to the same
// pipeline depth (16 is also legation's default MaxInflight).
//
// Both sides pay for the same broker, whose goroutines and allocations
// count in ns/op and allocs/op (the benchmark cannot tell the broker's
// allocations from the client's). For paho the client is two goroutines of
// its own plus the caller's, talking to the broker through the kernel's
// TCP; for legation the client runs on the reactor, which turns on the
// benchmark's goroutine (real clock: the broker is goroutine-based),
// together with both stacks and netconn's side of the broker's connection.
//
// TestPublish, which runs in CI, checks every implementation and QoS: the
// broker counts exactly the messages published, each with the right topic
// and payload. TestLegationPublishAllocs fails if a legation publish
// allocates once warm (against a scripted acknowledger on the peer stack,
// so that only legation's allocations are counted).
package mqttbench
