package core_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/store/embedded"
)

// presenceSet is a core.Presence answering from a set of user SIDs.
type presenceSet struct {
	mu     sync.Mutex
	online map[string]bool
}

func (p *presenceSet) Online(_, userSID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.online[userSID]
}

func (p *presenceSet) set(userSID string, on bool) {
	p.mu.Lock()
	p.online[userSID] = on
	p.mu.Unlock()
}

func boolStr(b *bool) string {
	switch {
	case b == nil:
		return "null"
	case *b:
		return "true"
	}
	return "false"
}

// Reachability: null while the service disables it; is_online from the
// presence source and is_notifiable from the bindings once enabled; and
// userUpdated on presence changes of enabled services only.
func TestReachability(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "presence.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var mu sync.Mutex
	var evs []model.Event
	take := func() []model.Event {
		mu.Lock()
		defer mu.Unlock()
		out := evs
		evs = nil
		return out
	}
	pres := &presenceSet{online: map[string]bool{}}
	cr, err := core.New(core.Config{Store: st, SecretKey: make([]byte, 32), Presence: pres,
		Events: model.EventSinkFunc(func(_ context.Context, ev model.Event) {
			mu.Lock()
			evs = append(evs, ev)
			mu.Unlock()
		})})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cr.EnsureAccount(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	api := core.API(false)
	svc, err := cr.CreateService(ctx, api, core.ServiceCreate{FriendlyName: "reach"})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := cr.CreateUser(ctx, api, svc.SID, core.UserCreate{Identity: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what, online, notifiable string) {
		t.Helper()
		_, r, err := cr.FetchUser(ctx, api, svc.SID, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if boolStr(r.Online) != online || boolStr(r.Notifiable) != notifiable {
			t.Errorf("%s: is_online %s is_notifiable %s, want %s %s", what, boolStr(r.Online), boolStr(r.Notifiable), online, notifiable)
		}
	}

	// Disabled: null whatever the presence, and no event.
	pres.set(alice.SID, true)
	check("disabled", "null", "null")
	take()
	if cr.PresenceChanged(ctx, svc.SID, alice.SID) || len(take()) != 0 {
		t.Error("presence change of a service without reachability emitted an event")
	}

	on := true
	if _, err := cr.UpdateService(ctx, api, svc.SID, core.ServiceUpdate{ReachabilityEnabled: &on}); err != nil {
		t.Fatal(err)
	}
	check("enabled, online", "true", "false")
	pres.set(alice.SID, false)
	check("enabled, offline", "false", "false")

	take()
	if !cr.PresenceChanged(ctx, svc.SID, alice.SID) {
		t.Fatal("no event for a presence change")
	}
	got := take()
	if len(got) != 1 || got[0].Type != model.EventUserUpdated || got[0].User == nil || got[0].User.SID != alice.SID ||
		boolStr(got[0].IsOnline) != "false" || got[0].Actor != "" {
		t.Errorf("presence event %+v", got)
	}

	// A push binding makes the user notifiable.
	cred, err := cr.CreateCredential(ctx, api, core.CredentialCreate{Type: "fcm", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cr.CreateBinding(ctx, api, svc.SID, "alice", core.BindingCreate{Endpoint: "e1", BindingType: "fcm",
		CredentialSID: cred.SID}); err != nil {
		t.Fatal(err)
	}
	pres.set(alice.SID, true)
	check("binding", "true", "true")

	// Profile updates carry the reachability too.
	take()
	name := "Alice"
	if _, err := cr.UpdateUser(ctx, api, svc.SID, "alice", core.UserUpdate{FriendlyName: &name}); err != nil {
		t.Fatal(err)
	}
	got = take()
	if len(got) != 1 || boolStr(got[0].IsOnline) != "true" || boolStr(got[0].IsNotifiable) != "true" {
		t.Errorf("userUpdated of a profile change %+v", got)
	}

	// Unknown users and services: no event, and FetchUser's 404.
	if cr.PresenceChanged(ctx, svc.SID, "US00000000000000000000000000000000") {
		t.Error("event for an unknown user")
	}
	if _, _, err := cr.FetchUser(ctx, api, svc.SID, "nobody"); model.KindOf(err) != model.KindNotFound {
		t.Errorf("FetchUser of nobody: %v", err)
	}
}

// Membership events carry the channel as the change left it (the user
// topics' channelJoined and channelLeft need it), and invites their
// channel.
func TestMembershipEventsCarryChannel(t *testing.T) {
	e := newSDKEnv(t)
	ch := e.channel("room", model.ChannelPublic)
	e.take()
	e.member("room", "alice", "")
	e.member("room", "bob", "")
	evs := e.take()
	if len(evs) < 2 {
		t.Fatalf("events %+v", evs)
	}
	var joined []model.Event
	for _, ev := range evs {
		if ev.Type == model.EventMemberJoined {
			joined = append(joined, ev)
		}
	}
	if len(joined) != 2 || joined[0].Channel == nil || joined[0].Channel.SID != ch.SID ||
		joined[0].Channel.MembersCount != 1 || joined[1].Channel.MembersCount != 2 {
		t.Fatalf("memberJoined events %+v", joined)
	}
	if err := e.core.LeaveChannel(e.ctx, sdkActor("bob"), e.svc.SID, "room"); err != nil {
		t.Fatal(err)
	}
	e.user("carol", "")
	if _, err := e.core.CreateInvite(e.ctx, api, e.svc.SID, "room", core.InviteCreate{Identity: "carol"}); err != nil {
		t.Fatal(err)
	}
	var left, invited *model.Event
	for _, ev := range e.take() {
		switch ev.Type {
		case model.EventMemberLeft:
			left = &ev
		case model.EventChannelInvited:
			invited = &ev
		}
	}
	if left == nil || left.Channel == nil || left.Channel.MembersCount != 1 || left.Member.Identity != "bob" {
		t.Errorf("memberLeft %+v", left)
	}
	if invited == nil || invited.Channel == nil || invited.Channel.SID != ch.SID || invited.Invite == nil {
		t.Errorf("channelInvited %+v", invited)
	}
	if got := e.getChannel("room").MembersCount; got != 1 {
		t.Errorf("stored members_count %d", got)
	}
}
