//go:build !linux

package tap

// Open reports ErrUnsupported: TAP interfaces are a Linux facility.
func Open(cfg Config) (*Device, error) {
	if _, err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	return nil, ErrUnsupported
}

// reader has no state where there is no receive goroutine.
type reader struct{}
