package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The whole demo device as firmware: examples/device built for 32-bit ARM
// and for big-endian MIPS (soft float), stripped, run under qemu-user with
// QEMU's user-mode network as its LAN (qemu-system-arm as the switch). It
// leases 10.0.2.15 from slirp, publishes telemetry to a mosquitto on the
// host through 10.0.2.2 (seen by mosquitto_sub), takes a command published
// by mosquitto_pub and reflects it in /api/info, syncs its clock with a
// chronyd on the host, and serves its dashboard to curl on the host
// through hostfwd; SIGINT then stops it gracefully ("offline" on its
// status topic, exit 0).
func TestDeviceQEMU(t *testing.T) {
	requireTools(t, [2]string{"qemu-system-arm", "qemu-system-arm"}, [2]string{"qemu-arm-static", "qemu-user-static"},
		[2]string{"qemu-mips-static", "qemu-user-static"}, [2]string{"chronyd", "chrony"}, [2]string{"curl", "curl"})
	requireMosquitto(t)
	start := time.Now()
	hostBroker := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), freeTCPPort(t))
	startMosquitto(t, nil, mosquittoConfig{Addr: hostBroker})
	ntpPort := freeUDPPort(t)
	deviceChrony(t, ntpPort)

	for _, arch := range []struct{ goarch, env, qemu string }{
		{"arm", "GOARM=7", "qemu-arm-static"},
		{"mips", "GOMIPS=softfloat", "qemu-mips-static"},
	} {
		t.Run(arch.goarch, func(t *testing.T) {
			began := time.Now()
			bin := filepath.Join(t.TempDir(), "device-"+arch.goarch)
			build := exec.Command("go", "build", "-ldflags=-s -w", "-o", bin, "github.com/seed947b3480/legation/examples/device")
			build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch.goarch, arch.env)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build GOARCH=%s: %v\n%s", arch.goarch, err, out)
			}
			fi, err := os.Stat(bin)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("GOARCH=%s %s: %d bytes, built in %v", arch.goarch, arch.env, fi.Size(), time.Since(began).Round(time.Millisecond))
			deviceQEMURun(t, bin, arch.qemu, arch.goarch, hostBroker, ntpPort)
			t.Logf("GOARCH=%s: whole run %v", arch.goarch, time.Since(began).Round(time.Millisecond))
		})
	}
	t.Logf("whole test %v", time.Since(start).Round(time.Millisecond))
}

// deviceChrony runs chronyd on the host's 127.0.0.1:port serving its own
// clock at stratum 8, never touching the system clock (-x); slirp turns
// the device's 10.0.2.2:port into it. No command sockets, so it shares
// nothing with another chronyd.
func deviceChrony(t *testing.T, port int) {
	t.Helper()
	dir := t.TempDir()
	conf := fmt.Sprintf("local stratum 8\nallow 127.0.0.1\nbindaddress 127.0.0.1\nport %d\ncmdport 0\nbindcmdaddress /\npidfile %s\ndriftfile %s\n",
		port, filepath.Join(dir, "chronyd.pid"), filepath.Join(dir, "drift"))
	path := filepath.Join(dir, "chrony.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out := newMQTTLog()
	cmd := exec.Command("chronyd", "-x", "-d", "-u", "root", "-f", path)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("chronyd:\n%s", out)
		}
	})
}

// deviceQEMURun runs one build of the device under qemu-user against the
// host's mosquitto and chronyd and checks everything it should do.
func deviceQEMURun(t *testing.T, bin, qemuUser, goarch string, broker netip.AddrPort, ntpPort int) {
	name := "qemu-" + goarch
	prefix := "legation/" + name
	shim := fmt.Sprintf("127.0.0.1:%d", freeTCPPort(t))
	web := fmt.Sprintf("127.0.0.1:%d", freeTCPPort(t))
	startQEMUSwitchForwarding(t, shim, "tcp:"+web+"-10.0.2.15:80")
	sub := startMosquittoSub(t, nil, broker, mqttSubOpts{Topic: prefix + "/#", QoS: 1, Timeout: 300})

	out, errOut := newMQTTLog(), newMQTTLog()
	dev := exec.Command(qemuUser, bin, "-link", "qemu:"+shim, "-dhcp",
		"-mqtt", netip.AddrPortFrom(slirpGateway, broker.Port()).String(),
		"-ntp", fmt.Sprintf("%s:%d", slirpGateway, ntpPort),
		"-name", name, "-mqtt-every", "1s", "-heartbeat", "1s")
	dev.Stdout, dev.Stderr = out, errOut
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { dev.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			dev.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("device stdout:\n%s\ndevice stderr:\n%s", out, errOut)
		}
	})
	booted := time.Now()

	// The lease from slirp.
	if !errOut.waitFor(0, 60*time.Second, exited, func(s string) bool { return strings.Contains(s, "legation: up ") }) {
		t.Fatalf("device not up within 60 s (%v)", dev.ProcessState)
	}
	if s := errOut.String(); !strings.Contains(s, "legation: up 10.0.2.15/24 on qemu:"+shim) {
		t.Fatalf("device did not lease 10.0.2.15 from slirp: %s", s)
	}
	t.Logf("up with a lease after %v", time.Since(booted).Round(time.Millisecond))

	// Telemetry reaches the host's mosquitto, from this device's build.
	var tel struct {
		Name     string
		Addr     string
		RxFrames uint64 `json:"rx_frames"`
		UptimeS  int64  `json:"uptime_s"`
	}
	sub.waitUntil(30*time.Second, func(msgs []mqttMsg) bool {
		for _, m := range msgs {
			if m.Topic == prefix+"/telemetry" && json.Unmarshal(m.Payload, &tel) == nil && tel.RxFrames > 0 {
				return true
			}
		}
		return false
	})
	if tel.Name != name || tel.Addr != "10.0.2.15/24" {
		t.Fatalf("telemetry %+v", tel)
	}
	t.Logf("telemetry on mosquitto_sub after %v", time.Since(booted).Round(time.Millisecond))

	// The dashboard through hostfwd, with curl on the host.
	base := "http://" + web
	var network struct{ Addr, Gateway string }
	deviceCurlJSON(t, base+"/api/network", &network)
	if network.Addr != "10.0.2.15/24" || network.Gateway != "10.0.2.2" {
		t.Fatalf("/api/network: %+v", network)
	}
	page := deviceCurl(t, base+"/", "--compressed")
	src, err := os.ReadFile(filepath.Join("..", "servers", "dashboard", "page.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page, src) {
		t.Fatalf("the page through hostfwd is %d bytes, not page.html's %d", len(page), len(src))
	}

	// A command from the host: the device answers on its reply topic and
	// shows it on the dashboard.
	runMosquittoPub(t, nil, broker, mqttPubOpts{Topic: prefix + "/cmd", Payload: []byte("led on"), QoS: 1})
	runMosquittoPub(t, nil, broker, mqttPubOpts{Topic: prefix + "/cmd", Payload: []byte("name firmware " + goarch), QoS: 1})
	sub.waitUntil(20*time.Second, func(msgs []mqttMsg) bool {
		n := 0
		for _, m := range msgs {
			if m.Topic == prefix+"/reply" && (string(m.Payload) == "led on" || string(m.Payload) == "name firmware "+goarch) {
				n++
			}
		}
		return n == 2
	})

	// The clock, synced with chronyd: telemetry says so once it is.
	sub.waitUntil(20*time.Second, func(msgs []mqttMsg) bool {
		for _, m := range msgs {
			if m.Topic == prefix+"/telemetry" && bytes.Contains(m.Payload, []byte(`"ntp_synced":true`)) {
				return true
			}
		}
		return false
	})
	var info struct {
		Name, Goarch string
		App          struct {
			LED         string `json:"led"`
			Commands    int
			LastCommand string `json:"last_command"`
			MQTT        string `json:"mqtt"`
			NTPSynced   bool   `json:"ntp_synced"`
			NTPServer   string `json:"ntp_server"`
			NTPOffsetUS int64  `json:"ntp_offset_us"`
			UTC         string `json:"utc"`
			DHCPState   string `json:"dhcp_state"`
		}
	}
	deviceCurlJSON(t, base+"/api/info", &info)
	a := info.App
	if info.Name != "firmware "+goarch || info.Goarch != goarch || a.LED != "on" || a.Commands != 2 || a.MQTT != "connected" ||
		a.LastCommand != "name firmware "+goarch || a.DHCPState != "BOUND" {
		t.Fatalf("/api/info: %+v", info)
	}
	if !a.NTPSynced || a.NTPServer != "10.0.2.2" || a.NTPOffsetUS > 500_000 || a.NTPOffsetUS < -500_000 {
		t.Fatalf("/api/info: not synced with chronyd at 10.0.2.2:%d: %+v", ntpPort, a)
	}
	utc, err := time.Parse(time.RFC3339, a.UTC)
	if err != nil || utc.Sub(time.Now()).Abs() > 5*time.Second {
		t.Fatalf("device time %q (%v), host time %v", a.UTC, err, time.Now().UTC())
	}
	var log struct{ Entries []struct{ Msg string } }
	deviceCurlJSON(t, base+"/api/log", &log)
	var logText strings.Builder
	for _, e := range log.Entries {
		logText.WriteString(e.Msg + "\n")
	}
	for _, want := range []string{"ntp: synced with 10.0.2.2", `mqtt command "led on": led on`, "mqtt: connected to 10.0.2.2:"} {
		if !strings.Contains(logText.String(), want) {
			t.Fatalf("/api/log lacks %q:\n%s", want, logText.String())
		}
	}
	t.Logf("command reflected, clock synced (offset %d µs) after %v", a.NTPOffsetUS, time.Since(booted).Round(time.Millisecond))

	// SIGINT: "offline" (retained) and a clean exit.
	if err := dev.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("device still running 20 s after SIGINT")
	}
	if code := dev.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGINT", code)
	}
	sub.waitUntil(10*time.Second, func(msgs []mqttMsg) bool {
		last := ""
		for _, m := range msgs {
			if m.Topic == prefix+"/status" {
				last = string(m.Payload)
			}
		}
		return last == "offline"
	})
}

// deviceCurl fetches url with curl on the host and returns the body; a
// transfer that fails or a status other than 200 fails the test.
func deviceCurl(t *testing.T, url string, extra ...string) []byte {
	t.Helper()
	args := append([]string{"-sS", "--max-time", "20", "-w", "\n%{http_code}"}, extra...)
	cmd := exec.Command("curl", append(args, url)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl %s: %v\n%s", url, err, e.Bytes())
	}
	b := o.Bytes()
	i := bytes.LastIndexByte(b, '\n')
	if code, err := strconv.Atoi(string(b[i+1:])); err != nil || code != 200 {
		t.Fatalf("curl %s: status %q\n%s", url, b[i+1:], b[:i])
	}
	return b[:i]
}

func deviceCurlJSON(t *testing.T, url string, v any) {
	t.Helper()
	b := deviceCurl(t, url)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v\n%s", url, err, b)
	}
}
