package hooks

import (
	"slices"
	"testing"
)

// A user is online from the first connection to the last; the notifier
// sees each user whose state differs from what it last told, once, and
// nothing for a flap it did not see.
func TestPresenceCounts(t *testing.T) {
	p := NewPresence()
	p.add("IS1", "US1", 1)
	p.add("IS1", "US1", 1)
	p.add("IS1", "US2", 1)
	p.add("IS2", "US3", 1)
	if !p.Online("IS1", "US1") || !p.Online("IS2", "US3") || p.Online("IS2", "US1") {
		t.Fatal("online states wrong")
	}
	users := p.Users("IS1")
	slices.Sort(users)
	if !slices.Equal(users, []string{"US1", "US2"}) {
		t.Errorf("users of IS1: %v", users)
	}
	if got := len(p.changes()); got != 3 {
		t.Errorf("%d changes, want 3", got)
	}
	if len(p.changes()) != 0 {
		t.Error("changes reported twice")
	}
	p.add("IS1", "US1", -1)
	if !p.Online("IS1", "US1") || len(p.changes()) != 0 {
		t.Error("closing one of two connections changed the state")
	}
	// A flap between two notifier runs is nothing.
	p.add("IS1", "US2", -1)
	p.add("IS1", "US2", 1)
	if c := p.changes(); len(c) != 0 {
		t.Errorf("a flap was reported: %v", c)
	}
	p.add("IS1", "US1", -1)
	c := p.changes()
	if len(c) != 1 || c[0] != (presenceKey{"IS1", "US1"}) || p.Online("IS1", "US1") {
		t.Errorf("offline change %v", c)
	}
	p.add("IS1", "US2", -1)
	p.add("IS2", "US3", -1)
	p.changes()
	if len(p.conns) != 0 || len(p.told) != 0 || len(p.dirty) != 0 {
		t.Errorf("state left behind: %v %v %v", p.conns, p.told, p.dirty)
	}
}
