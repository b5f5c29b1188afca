package reactor

// Future is the result of an operation that takes time: a connect, a DNS
// query, a receive with a deadline. It completes once, with a value or an
// error; a callback registered with OnComplete runs on the reactor goroutine
// when it does (at once, if it already has). A Future is reactor-goroutine
// only. The zero value is a pending future; Reset makes a used one pending
// again so a socket can embed one and reuse it without allocating.
type Future[T any] struct {
	done bool
	val  T
	err  error
	cb   func(T, error)
}

// NewFuture returns a pending future.
func NewFuture[T any]() *Future[T] { return &Future[T]{} }

// Complete resolves the future with v and err and runs the callback. Only the
// first completion counts; Complete reports whether this one did.
func (f *Future[T]) Complete(v T, err error) bool {
	if f.done {
		return false
	}
	f.done, f.val, f.err = true, v, err
	if cb := f.cb; cb != nil {
		f.cb = nil
		cb(v, err)
	}
	return true
}

// Done reports whether the future has completed.
func (f *Future[T]) Done() bool { return f.done }

// Result returns the value and error; both are zero while pending.
func (f *Future[T]) Result() (T, error) { return f.val, f.err }

// Err returns the error of a completed future.
func (f *Future[T]) Err() error { return f.err }

// OnComplete registers cb to run on completion, replacing any earlier one. If
// the future is already complete, cb runs now.
func (f *Future[T]) OnComplete(cb func(T, error)) {
	if f.done {
		cb(f.val, f.err)
		return
	}
	f.cb = cb
}

// Reset makes the future pending again and drops its callback.
func (f *Future[T]) Reset() {
	var zero T
	f.done, f.val, f.err, f.cb = false, zero, nil, nil
}
