package dns

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
	"golang.org/x/net/dns/dnsmessage"
)

// cache holds answers by name and type in a fixed table: lookups scan it
// (it is small: tens of entries), comparing a hash first, and a full table
// evicts its least recently used entry. Nothing is allocated after init.
type cache struct {
	entries []cacheEntry
	clock   uint64 // use counter for LRU
}

type cacheEntry struct {
	used    bool
	hash    uint64
	qtype   dnsmessage.Type
	name    dnsmessage.Name
	expires reactor.Instant
	lastUse uint64

	err   error // nil, ErrNotFound or ErrNoData
	addrs [MaxAddrs]netip.Addr
	n     int
}

func (c *cache) init(n int) { c.entries = make([]cacheEntry, n) }

// get returns the live entry for (name, t) at now, or nil. An expired entry
// found on the way is freed.
func (c *cache) get(name *dnsmessage.Name, t dnsmessage.Type, now reactor.Instant) *cacheEntry {
	h := nameHash(name, t)
	for i := range c.entries {
		e := &c.entries[i]
		if !e.used || e.hash != h || e.qtype != t || !nameEqual(&e.name, name) {
			continue
		}
		if now >= e.expires {
			e.used = false
			return nil
		}
		c.clock++
		e.lastUse = c.clock
		return e
	}
	return nil
}

// put stores an answer for (name, t) until expires, replacing an older one
// for the same key, else taking a free or expired slot, else evicting the
// least recently used. It reports whether it evicted a live entry.
func (c *cache) put(name *dnsmessage.Name, t dnsmessage.Type, expires, now reactor.Instant, err error, addrs []netip.Addr) (evicted bool) {
	if len(c.entries) == 0 {
		return false
	}
	h := nameHash(name, t)
	slot := c.slotFor(name, t, h, now)
	evicted = slot.used && now < slot.expires && !(slot.hash == h && slot.qtype == t && nameEqual(&slot.name, name))
	c.clock++
	*slot = cacheEntry{used: true, hash: h, qtype: t, name: *name, expires: expires, lastUse: c.clock, err: err}
	slot.n = copy(slot.addrs[:], addrs)
	return evicted
}

// slotFor picks where (name, t) goes: its own entry if present, else a
// free or expired one, else the least recently used.
func (c *cache) slotFor(name *dnsmessage.Name, t dnsmessage.Type, h uint64, now reactor.Instant) *cacheEntry {
	var free, lru *cacheEntry
	for i := range c.entries {
		e := &c.entries[i]
		switch {
		case !e.used || now >= e.expires:
			if free == nil {
				free = e
			}
		case e.hash == h && e.qtype == t && nameEqual(&e.name, name):
			return e
		case lru == nil || e.lastUse < lru.lastUse:
			lru = e
		}
	}
	if free != nil {
		return free
	}
	return lru
}

// len reports the live entries at now.
func (c *cache) len(now reactor.Instant) int {
	n := 0
	for i := range c.entries {
		if c.entries[i].used && now < c.entries[i].expires {
			n++
		}
	}
	return n
}

// flush empties the cache.
func (c *cache) flush() { clear(c.entries) }
