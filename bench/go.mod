module github.com/seed947b3480/legation/bench

go 1.26.3

replace github.com/seed947b3480/legation => ../

require (
	github.com/beevik/ntp v1.5.0
	github.com/seed947b3480/legation v0.0.0-00010101000000-000000000000
	github.com/soypat/lneto v0.3.2
	golang.org/x/sys v0.43.0
	gvisor.dev/gvisor v0.0.0-20260905035102-160fafc42237
)

require (
	github.com/google/btree v1.1.2 // indirect
	golang.org/x/exp v0.0.0-20250711185948-6ae5c78190dc // indirect
	golang.org/x/net v0.52.0 // indirect
	golang.org/x/time v0.15.0 // indirect
)
