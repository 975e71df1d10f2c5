package core_test

import (
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// channelEvents keeps the events of one channel that carry a seq.
func channelEvents(evs []model.Event, channelSID string) []model.Event {
	var out []model.Event
	for _, ev := range evs {
		if ev.ChannelSID == channelSID && ev.Seq != 0 {
			out = append(out, ev)
		}
	}
	return out
}

// TestEventSeqDense drives every kind of channel event through core, from
// REST and SDK actors, several at once, and checks that the events carry
// seq 1..n exactly once each, all in the channel's epoch, ending with
// channelRemoved.
func TestEventSeqDense(t *testing.T) {
	e := newSDKEnv(t)
	ch := e.channel("room", model.ChannelPublic)
	if len(ch.Epoch) != 16 {
		t.Fatalf("new channel epoch %q, want 16 hex digits", ch.Epoch)
	}
	other := e.channel("other", model.ChannelPublic)
	if other.Epoch == ch.Epoch {
		t.Fatal("two channels share an epoch")
	}
	for i := range 8 {
		e.user("u"+strconv.Itoa(i), "")
	}
	e.take()

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "u" + strconv.Itoa(i)
			a := sdkActor(id)
			if _, err := e.core.JoinChannel(e.ctx, a, e.svc.SID, "room"); err != nil {
				errs <- err
				return
			}
			for j := range 4 {
				body := id + "/" + strconv.Itoa(j)
				m, err := e.core.CreateMessage(e.ctx, a, e.svc.SID, "room", core.MessageCreate{Body: &body, ClientMessageID: body})
				if err != nil {
					errs <- err
					return
				}
				// A retried send is not a new event.
				if _, err := e.core.CreateMessage(e.ctx, a, e.svc.SID, "room", core.MessageCreate{Body: &body, ClientMessageID: body}); err != nil {
					errs <- err
					return
				}
				edited := body + " (edited)"
				if _, err := e.core.UpdateMessage(e.ctx, a, e.svc.SID, "room", m.SID, core.MessageUpdate{Body: &edited}); err != nil {
					errs <- err
					return
				}
				if j == 3 {
					if err := e.core.DeleteMessage(e.ctx, a, e.svc.SID, "room", m.SID); err != nil {
						errs <- err
						return
					}
				}
			}
			idx := int64(0)
			if _, err := e.core.SetReadHorizon(e.ctx, a, e.svc.SID, "room", core.HorizonSet, &idx); err != nil {
				errs <- err
				return
			}
			name := "room " + id
			if _, err := e.core.UpdateChannel(e.ctx, api, e.svc.SID, "room", core.ChannelUpdate{FriendlyName: &name}); err != nil {
				errs <- err
				return
			}
			if i%2 == 0 {
				if err := e.core.LeaveChannel(e.ctx, a, e.svc.SID, "room"); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Typing is ephemeral: no seq.
	if _, err := e.core.Typing(e.ctx, sdkActor("u1"), e.svc.SID, "room"); err != nil {
		t.Fatal(err)
	}
	e.send("other", "elsewhere")
	sdkMust(t, "DeleteChannel", e.core.DeleteChannel(e.ctx, api, e.svc.SID, "room"))

	all := e.take()
	evs := channelEvents(all, ch.SID)
	// 8 joins, 32 sends, 32 edits, 8 deletes, 8 horizons, 8 renames, 4
	// leaves, 1 removal.
	if want := 8 + 32 + 32 + 8 + 8 + 8 + 4 + 1; len(evs) != want {
		t.Fatalf("%d channel events with a seq, want %d", len(evs), want)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d (%s) has seq %d, want %d: not dense", i, ev.Type, ev.Seq, i+1)
		}
		if ev.Epoch != ch.Epoch {
			t.Fatalf("event %s seq %d has epoch %q, want %q", ev.Type, ev.Seq, ev.Epoch, ch.Epoch)
		}
	}
	if last := evs[len(evs)-1]; last.Type != model.EventChannelRemoved {
		t.Fatalf("last event %s, want channelRemoved", last.Type)
	}
	for _, ev := range all {
		switch ev.Type {
		case model.EventTypingStarted:
			if ev.Seq != 0 || ev.Identity != "u1" || ev.ChannelSID != ch.SID {
				t.Fatalf("typingStarted: seq %d identity %q channel %s", ev.Seq, ev.Identity, ev.ChannelSID)
			}
		case model.EventMessageAdded:
			if ev.Message.Seq != ev.Seq {
				t.Fatalf("messageAdded: message seq %d, event seq %d", ev.Message.Seq, ev.Seq)
			}
		}
		if ev.ChannelSID == other.SID && ev.Seq != 0 && ev.Seq != 1 {
			t.Fatalf("the other channel's only event has seq %d", ev.Seq)
		}
	}
}
