package hooks

import (
	"sync"
)

// Presence tracks which users have at least one authenticated MQTT
// connection to this node: a user is online from the first connection's
// CONNACK until the last one closes. It implements core.Presence (give the
// same value to core.Config.Presence and Config.Presence) and answers from
// memory. Changes are coalesced per user for the hook's notifier, which
// tells core (core.PresenceChanged) so that services with reachability
// enabled emit userUpdated.
type Presence struct {
	mu sync.Mutex
	// conns counts connections: service SID -> user SID -> count (> 0).
	conns map[string]map[string]int
	// dirty holds users whose state changed since the notifier last ran.
	dirty map[presenceKey]struct{}
	// told is the state last told to core, for users told online.
	told map[presenceKey]bool
	wake chan struct{}
}

type presenceKey struct {
	serviceSID, userSID string
}

// NewPresence returns an empty tracker.
func NewPresence() *Presence {
	return &Presence{conns: map[string]map[string]int{}, dirty: map[presenceKey]struct{}{},
		told: map[presenceKey]bool{}, wake: make(chan struct{}, 1)}
}

// Online tells whether the user has a connection to this node.
func (p *Presence) Online(serviceSID, userSID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[serviceSID][userSID] > 0
}

// Users returns the SIDs of the service's online users.
func (p *Presence) Users(serviceSID string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.conns[serviceSID]))
	for us := range p.conns[serviceSID] {
		out = append(out, us)
	}
	return out
}

// add counts one connection more (delta 1) or less (delta -1) for the
// user and marks the user for the notifier when it went online or offline.
func (p *Presence) add(serviceSID, userSID string, delta int) {
	p.mu.Lock()
	users := p.conns[serviceSID]
	if users == nil {
		users = map[string]int{}
		p.conns[serviceSID] = users
	}
	before := users[userSID]
	n := before + delta
	if n <= 0 {
		delete(users, userSID)
		if len(users) == 0 {
			delete(p.conns, serviceSID)
		}
	} else {
		users[userSID] = n
	}
	changed := (before > 0) != (n > 0)
	if changed {
		p.dirty[presenceKey{serviceSID, userSID}] = struct{}{}
	}
	p.mu.Unlock()
	if changed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// changes returns the users whose online state differs from what core was
// last told, and records the new states as told.
func (p *Presence) changes() []presenceKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []presenceKey
	for k := range p.dirty {
		delete(p.dirty, k)
		online := p.conns[k.serviceSID][k.userSID] > 0
		if online == p.told[k] {
			continue // flapped back before the notifier ran
		}
		if online {
			p.told[k] = true
		} else {
			delete(p.told, k)
		}
		out = append(out, k)
	}
	return out
}
