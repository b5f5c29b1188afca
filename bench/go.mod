module github.com/seed947b3480/legation/bench

go 1.24.0

replace github.com/seed947b3480/legation => ../

require (
	github.com/beevik/ntp v1.5.0
	github.com/seed947b3480/legation v0.0.0-00010101000000-000000000000
	golang.org/x/sys v0.41.0
)

require golang.org/x/net v0.50.0 // indirect
