package tap

import (
	"errors"
	"testing"

	"github.com/seed947b3480/legation/hal"
)

func TestConfigDefaults(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.MTU != DefaultMTU || c.RxSlots != DefaultSlots || c.TxSlots != DefaultSlots {
		t.Errorf("defaults %+v", c)
	}
	if c.HWAddr[0]&0x01 != 0 || c.HWAddr[0]&0x02 == 0 {
		t.Errorf("default HWAddr %x is not locally administered unicast", c.HWAddr)
	}
	c2, _ := Config{}.withDefaults()
	if c2.HWAddr == c.HWAddr {
		t.Errorf("two random HWAddrs are both %x", c.HWAddr)
	}
	mine := hal.HardwareAddr{0x02, 1, 2, 3, 4, 5}
	if c, _ := (Config{HWAddr: mine}).withDefaults(); c.HWAddr != mine {
		t.Errorf("HWAddr %x replaced by %x", mine, c.HWAddr)
	}
}

func TestConfigRejects(t *testing.T) {
	for _, c := range []Config{
		{MTU: minMTU - 1},
		{MTU: maxMTU + 1},
		{Name: "0123456789abcdef"},
		{TxSlots: -1},
	} {
		if _, err := c.withDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", c, err)
		}
	}
}

func TestErrorStrings(t *testing.T) {
	seen := map[string]bool{}
	for e := ErrUnsupported; e <= ErrClosed; e++ {
		s := e.Error()
		if seen[s] || s == Error(0).Error() {
			t.Errorf("%d: %q is not distinct", e, s)
		}
		seen[s] = true
	}
}
