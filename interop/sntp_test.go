package interop

import (
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/sntp"
	"github.com/seed947b3480/legation/wire"
)

// The SNTP client over TAP against chronyd serving NTP in a namespace
// (`chronyd -x`: it never touches the system clock). Both sides read the
// same host clock, so the true offset is zero; the client must measure it
// within a few milliseconds, and agree within 1 ms with chronyd -Q, chrony's
// own client, querying the same server. Ours is the least-delay sample of
// three, so that a scheduling hiccup on a busy machine does not count.
func TestSNTPAgainstChrony(t *testing.T) {
	sntpNeedChrony(t)
	ns, d := sntpTap(t)
	sntpChronyStart(t, ns, true)

	res := sntpBest(t, d, wire.NTPPort, 3)
	if res.Server != sntpServer || res.Stratum != 8 {
		t.Errorf("server %v stratum %d, want chronyd's local stratum 8", res.Server, res.Stratum)
	}
	sntpNear(t, "offset from the same clock", res.Offset, 0, 3*time.Millisecond)
	if res.Delay <= 0 || res.Delay > 20*time.Millisecond {
		t.Errorf("delay %v on a TAP link", res.Delay)
	}

	ref, err := sntpChronyQuery(t, ns, wire.NTPPort)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("chronyd -Q: offset=%v", ref)
	sntpNear(t, "offset against chronyd -Q's", res.Offset, ref, time.Millisecond)
}

// chronyd with no time source answers, but says it is unsynchronised (leap
// indicator 3, stratum 0, no kiss code): the client must refuse it.
func TestSNTPChronyUnsynchronised(t *testing.T) {
	sntpNeedChrony(t)
	ns, d := sntpTap(t)
	sntpChronyStart(t, ns, false)
	res, err := sntpQuery(t, d, wire.NTPPort, sntp.Config{Attempts: 20})
	if err != sntp.ErrUnsynchronised {
		t.Fatalf("%+v, %v; want ErrUnsynchronised", res, err)
	}
}

// A server written for the test, on the kernel's UDP in the namespace,
// answers badly in each of the ways the client must refuse, each with its
// own error; and well, with its clock 1.5 s ahead, which the client and
// chronyd -Q both measure.
func TestSNTPBadServers(t *testing.T) {
	ns, d := sntpTap(t)
	srv := sntpStartGoServer(t, ns)
	port := uint16(srv.port)

	t.Run("offset", func(t *testing.T) {
		srv.set(sntpGood, 1500*time.Millisecond)
		res := sntpBest(t, d, port, 3)
		sntpNear(t, "offset", res.Offset, 1500*time.Millisecond, 3*time.Millisecond)
		if _, err := exec.LookPath("chronyd"); err != nil {
			t.Skip("chronyd not found (Debian package chrony): no reference measurement")
		}
		ref, err := sntpChronyQuery(t, ns, srv.port)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("chronyd -Q: offset=%v", ref)
		sntpNear(t, "offset against chronyd -Q's", res.Offset, ref, time.Millisecond)
	})

	for _, tc := range []struct {
		name string
		mode sntpMode
		err  error
	}{
		{"wrong origin", sntpWrongOrigin, sntp.ErrBadOrigin},
		{"kiss RATE", sntpKissRate, sntp.ErrKissRate},
		{"kiss DENY", sntpKissDeny, sntp.ErrKissDeny},
		{"leap indicator 3", sntpLeap3, sntp.ErrUnsynchronised},
		{"stratum 0", sntpStratum0, sntp.ErrStratum},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.set(tc.mode, 0)
			before := srv.count()
			res, err := sntpQuery(t, d, port, sntp.Config{Attempts: 2})
			if err != tc.err {
				t.Fatalf("%+v, %v; want %v", res, err, tc.err)
			}
			if (tc.mode == sntpKissRate || tc.mode == sntpKissDeny) && !errors.Is(err, sntp.ErrKissOfDeath) {
				t.Errorf("%v is not a kiss-o'-death", err)
			}
			// A refusal ends the exchange with the first reply; a reply
			// that does not echo the request is waited past, and asked
			// again.
			want := 1
			if tc.mode == sntpWrongOrigin {
				want = 2
			}
			if n := srv.count() - before; n != want {
				t.Errorf("server saw %d requests, want %d", n, want)
			}
		})
	}
}
