package sdk

import (
	"fmt"
	"testing"
)

func msgEv(seq, index int64) Event {
	i := index
	return Event{Type: MessageAdded, ChannelSID: "CH1", Seq: seq, Epoch: "e1", Index: &i,
		Message: &Message{Index: index, Body: fmt.Sprint("m", index)}}
}

func otherEv(seq int64) Event {
	return Event{Type: MemberUpdated, ChannelSID: "CH1", Seq: seq, Epoch: "e1"}
}

// describe renders delivered events compactly: m<index> for messages
// (with * when caught up), u<seq> for others.
func describe(evs []Event) string {
	s := ""
	for _, e := range evs {
		switch {
		case e.Type == MessageAdded && e.CatchUp:
			s += fmt.Sprintf("m%d* ", *e.Index)
		case e.Type == MessageAdded:
			s += fmt.Sprintf("m%d ", *e.Index)
		default:
			s += fmt.Sprintf("u%d ", e.Seq)
		}
	}
	return s
}

// history returns messages from..to as the server would.
func history(from, to int64) []Message {
	var out []Message
	for i := from; i <= to; i++ {
		out = append(out, Message{Index: i, Body: fmt.Sprint("m", i)})
	}
	return out
}

func TestOrderInSequence(t *testing.T) {
	o := newChannelOrder(-1)
	if got := describe(o.caughtUp("CH1", nil)); got != "" {
		t.Fatalf("empty catch-up delivered %q", got)
	}
	var out []Event
	for _, ev := range []Event{msgEv(1, 0), otherEv(2), msgEv(3, 1)} {
		d, gap := o.offer(ev)
		if gap {
			t.Fatalf("gap on %+v", ev)
		}
		out = append(out, d...)
	}
	if got, want := describe(out), "m0 u2 m1 "; got != want {
		t.Errorf("delivered %q, want %q", got, want)
	}
	// Duplicates by seq are dropped; typing passes outside the sequence.
	d, gap := o.offer(msgEv(3, 1))
	if len(d) != 0 || gap {
		t.Errorf("duplicate: %q gap %v", describe(d), gap)
	}
	d, _ = o.offer(Event{Type: TypingStarted, Identity: "bob"})
	if len(d) != 1 {
		t.Errorf("typing not delivered")
	}
}

func TestOrderSeqGapCatchUp(t *testing.T) {
	o := newChannelOrder(4)
	o.caughtUp("CH1", nil)
	o.offer(msgEv(10, 5))
	// seq 11 (m6) and 12 (u12) are lost; 13 (m7) arrives: a gap.
	d, gap := o.offer(msgEv(13, 7))
	if !gap || len(d) != 0 {
		t.Fatalf("gap not detected: %q %v", describe(d), gap)
	}
	// Meanwhile 15 then 14 arrive (out of order) and wait.
	if d, gap := o.offer(msgEv(15, 8)); gap || len(d) != 0 {
		t.Fatalf("during catch-up: %q %v", describe(d), gap)
	}
	if d, gap := o.offer(otherEv(14)); gap || len(d) != 0 {
		t.Fatalf("during catch-up: %q %v", describe(d), gap)
	}
	// The fetch (forward from index 6) returns 6, 7 and 8: 7 and 8 were
	// also received live and must not come twice.
	got := describe(o.caughtUp("CH1", history(6, 8)))
	if want := "m6* m7* m8* u14 "; got != want {
		t.Errorf("after catch-up %q, want %q", got, want)
	}
	// The stream continues from seq 15.
	if d, gap := o.offer(msgEv(16, 9)); gap || describe(d) != "m9 " {
		t.Errorf("after: %q gap %v", describe(d), gap)
	}
}

func TestOrderIndexGapWithoutSeq(t *testing.T) {
	o := newChannelOrder(2)
	o.caughtUp("CH1", nil) // seq unknown now
	d, gap := o.offer(msgEv(40, 3))
	if gap || describe(d) != "m3 " {
		t.Fatalf("first event sets the sequence: %q %v", describe(d), gap)
	}
	// A stale message index is a duplicate even with a new seq.
	o2 := newChannelOrder(5)
	o2.caughtUp("CH1", nil)
	if d, gap := o2.offer(msgEv(7, 5)); gap || len(d) != 0 {
		t.Errorf("already delivered index 5: %q %v", describe(d), gap)
	}
	// Index jump with an unknown seq baseline.
	o3 := newChannelOrder(5)
	o3.caughtUp("CH1", nil)
	if _, gap := o3.offer(msgEv(9, 8)); !gap {
		t.Errorf("index 8 after 5 is a gap")
	}
	if got := describe(o3.caughtUp("CH1", history(6, 8))); got != "m6* m7* m8* " {
		t.Errorf("index catch-up %q", got)
	}
}

func TestOrderReconnect(t *testing.T) {
	o := newChannelOrder(-1)
	o.caughtUp("CH1", nil)
	o.offer(msgEv(1, 0))
	o.offer(msgEv(2, 1))
	o.interrupt() // connection lost: events until the catch-up wait
	o.offer(msgEv(9, 6))
	o.offer(msgEv(8, 5)) // live before the catch-up finished, out of order
	got := describe(o.caughtUp("CH1", history(2, 6)))
	if want := "m2* m3* m4* m5* m6* "; got != want {
		t.Errorf("reconnect catch-up %q, want %q", got, want)
	}
	if d, gap := o.offer(msgEv(10, 7)); gap || describe(d) != "m7 " {
		t.Errorf("after: %q %v", describe(d), gap)
	}
	// Deleted messages leave holes in history: the catch-up skips them
	// without asking again.
	o.interrupt()
	got = describe(o.caughtUp("CH1", []Message{{Index: 9}, {Index: 11}}))
	if got != "m9* m11* " {
		t.Errorf("holes: %q", got)
	}
	if d, gap := o.offer(msgEv(15, 12)); gap || describe(d) != "m12 " {
		t.Errorf("after holes: %q %v", describe(d), gap)
	}
}

func TestOrderEpochReset(t *testing.T) {
	o := newChannelOrder(-1)
	o.caughtUp("CH1", nil)
	o.offer(msgEv(1, 0))
	o.offer(msgEv(2, 1))
	ev := msgEv(1, 0)
	ev.Epoch = "e2"
	if d, gap := o.offer(ev); gap || describe(d) != "m0 " {
		t.Errorf("new epoch: %q %v", describe(d), gap)
	}
}

func TestQueue(t *testing.T) {
	q := newQueue[int]()
	for i := range 1000 {
		q.push(i)
	}
	done := make(chan struct{})
	for i := range 1000 {
		if v, ok := q.pop(done); !ok || v != i {
			t.Fatalf("pop %d: %d %v", i, v, ok)
		}
	}
	close(done)
	if _, ok := q.pop(done); ok {
		t.Error("pop on an empty, done queue returned an item")
	}
}

func TestTokenExpiry(t *testing.T) {
	// {"exp":2000000000}
	tok := "e30.eyJleHAiOjIwMDAwMDAwMDB9.c2ln"
	exp, ok := tokenExpiry(tok)
	if !ok || exp.Unix() != 2000000000 {
		t.Errorf("exp %v %v", exp, ok)
	}
	if _, ok := tokenExpiry("nope"); ok {
		t.Error("a non-JWT has an expiry")
	}
	if !expiresWithin("nope", 0) {
		t.Error("an unreadable token must count as expiring")
	}
}

func TestPubackError(t *testing.T) {
	e := pubackError(0x87, "User not authorized for command (50107)")
	if e.Code != 50107 || e.Message != "User not authorized for command" || e.Status != 403 {
		t.Errorf("%+v", e)
	}
	if ErrorCode(fmt.Errorf("wrapped: %w", e)) != 50107 {
		t.Error("ErrorCode through wrapping")
	}
	if e := pubackError(0x99, "payload is not the JSON send envelope"); e.Code != 0 || e.Status != 400 {
		t.Errorf("%+v", e)
	}
}
