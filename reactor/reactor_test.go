package reactor

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A periodic task on a virtual clock runs exactly at its deadlines, and a
// simulated hour passes without real waiting.
func TestVirtualClockDeadlines(t *testing.T) {
	clk := NewVirtualClock(0)
	r := New(clk)
	var seen []Instant
	r.Spawn(TaskFunc(func(now Instant) Instant {
		seen = append(seen, now)
		return now.Add(10 * time.Minute)
	}))
	r.RunFor(time.Hour)
	if len(seen) != 7 {
		t.Fatalf("polled %d times, want 7: %v", len(seen), seen)
	}
	for i, s := range seen {
		if want := Instant(i) * Instant(10*time.Minute); s != want {
			t.Fatalf("poll %d at %v, want %v", i, s, want)
		}
	}
	if got := clk.Now(); got != Instant(time.Hour) {
		t.Fatalf("clock at %v after RunFor(1h)", got)
	}
}

// Two tasks with different periods interleave in deadline order.
func TestTasksInterleave(t *testing.T) {
	r := New(NewVirtualClock(0))
	var order []string
	mk := func(name string, every time.Duration) Task {
		return TaskFunc(func(now Instant) Instant {
			order = append(order, name)
			return now.Add(every)
		})
	}
	r.Spawn(mk("a", 3*time.Second))
	r.Spawn(mk("b", 5*time.Second))
	r.RunFor(10 * time.Second)
	got := ""
	for _, s := range order {
		got += s
	}
	// t=0 a b, 3 a, 5 b, 6 a, 9 a, 10 b
	if got != "ababaab" {
		t.Fatalf("order %q", got)
	}
}

// Wake from another goroutine reaches a task that has no deadline. The wake
// is sent after the first poll: a wake that arrives before a poll is
// satisfied by that poll, by design.
func TestWakeFromOtherGoroutine(t *testing.T) {
	r := New(NewRealClock())
	polls := 0
	firstPoll := make(chan struct{})
	var h *Handle
	h = r.Spawn(TaskFunc(func(now Instant) Instant {
		polls++
		if polls == 1 {
			close(firstPoll)
		}
		return Never
	}))
	go func() { <-firstPoll; h.Wake() }()
	if !r.RunUntil(10*time.Second, func() bool { return polls >= 2 }) {
		t.Fatalf("task not woken; polls=%d", polls)
	}
}

// Post runs functions on the reactor goroutine in order.
func TestPost(t *testing.T) {
	r := New(NewRealClock())
	var got []int
	done := make(chan struct{})
	go func() {
		for i := 0; i < 100; i++ {
			r.Post(func() { got = append(got, i) })
		}
		close(done)
	}()
	<-done
	if !r.RunUntil(10*time.Second, func() bool { return len(got) == 100 }) {
		t.Fatalf("ran %d posted functions", len(got))
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("posted[%d] = %d", i, v)
		}
	}
}

// A stalled simulation ends at the limit instead of blocking.
func TestRunUntilStalled(t *testing.T) {
	clk := NewVirtualClock(5)
	r := New(clk)
	r.Spawn(TaskFunc(func(Instant) Instant { return Never }))
	if r.RunUntil(time.Minute, func() bool { return false }) {
		t.Fatal("cond reported true")
	}
	if clk.Now() != Instant(5).Add(time.Minute) {
		t.Fatalf("clock %v", clk.Now())
	}
}

// Cancel removes a task; a task spawned from a poll runs in the same turn.
func TestCancelAndSpawnFromPoll(t *testing.T) {
	r := New(NewVirtualClock(0))
	var inner, outer int
	var h *Handle
	h = r.Spawn(TaskFunc(func(now Instant) Instant {
		outer++
		if outer == 1 {
			r.Spawn(TaskFunc(func(now Instant) Instant { inner++; return now.Add(time.Second) }))
		}
		h.Cancel()
		return now.Add(time.Second)
	}))
	r.Step()
	if outer != 1 || inner != 1 {
		t.Fatalf("outer=%d inner=%d after one step", outer, inner)
	}
	r.RunFor(5 * time.Second)
	if outer != 1 || inner != 6 {
		t.Fatalf("outer=%d inner=%d", outer, inner)
	}
}

func TestRunStopsOnContext(t *testing.T) {
	r := New(NewRealClock())
	r.Spawn(TaskFunc(func(Instant) Instant { return Never }))
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestFuture(t *testing.T) {
	var f Future[int]
	errBoom := errors.New("boom")
	var got int
	var gotErr error
	f.OnComplete(func(v int, err error) { got, gotErr = v, err })
	if f.Done() {
		t.Fatal("done before completion")
	}
	if !f.Complete(7, errBoom) || f.Complete(8, nil) {
		t.Fatal("only the first completion counts")
	}
	if got != 7 || gotErr != errBoom {
		t.Fatalf("callback got %d, %v", got, gotErr)
	}
	late := 0
	f.OnComplete(func(v int, _ error) { late = v })
	if late != 7 {
		t.Fatal("late callback not run at once")
	}
	f.Reset()
	if f.Done() || f.Err() != nil {
		t.Fatal("Reset did not make it pending")
	}
}

func TestInstantSaturates(t *testing.T) {
	if Never.Add(time.Second) != Never {
		t.Fatal("Never+1s overflowed")
	}
	if Instant(10).Sub(4) != 6 {
		t.Fatal("Sub")
	}
}

// A turn of the reactor and a wake allocate nothing.
func TestStepAllocs(t *testing.T) {
	r := New(NewVirtualClock(0))
	h := r.Spawn(TaskFunc(func(now Instant) Instant { return now.Add(time.Millisecond) }))
	r.Step()
	if n := testing.AllocsPerRun(1000, func() { h.Wake(); r.Step() }); n != 0 {
		t.Fatalf("%v allocs per turn", n)
	}
}

func TestInstantString(t *testing.T) {
	for _, tc := range []struct {
		i    Instant
		want string
	}{
		{Never, "never"},
		{Instant(90 * time.Second), "1m30s"},
		{Instant(time.Date(2026, 11, 21, 6, 0, 0, 5, time.UTC).UnixNano()), "2026-11-21T06:00:00.000000005Z"},
	} {
		if got := tc.i.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", int64(tc.i), got, tc.want)
		}
	}
}
