package storetest

import (
	"errors"
	"testing"

	"github.com/parleychat/parley/model"
)

// wantAbort checks that an Update whose fn failed returned the fn's error.
func wantAbort(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, errAbort) {
		t.Fatalf("%s with a failing fn: got %v, want the fn's error as is", what, err)
	}
}

func testUpdateSemantics(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, roles := e.service()
	alice := e.user(s1, "alice")
	ch := e.channel(s1, "general")
	m := e.member(ch, alice)
	msg := e.message(ch, "hello", 0)
	w := e.newWebhook(ch)
	must(t, e.s.CreateWebhook(e.ctx, w, 0))

	// fn sees the current value; a failing fn writes nothing, even what it
	// changed in place before failing.
	_, err := e.s.UpdateService(e.ctx, s1.SID, func(s *model.Service) error {
		equal(t, "UpdateService fn argument", s, s1)
		s.FriendlyName = "changed"
		s.WebhookFilters = append(s.WebhookFilters, "onMessageRemoved")
		if len(s.WebhookFilters) > 0 {
			s.WebhookFilters[0] = "mutated"
		}
		return errAbort
	})
	wantAbort(t, "UpdateService", err)
	got, err := e.s.GetService(e.ctx, s1.SID)
	must(t, err)
	equal(t, "service after aborted update", got, s1)

	_, err = e.s.UpdateRole(e.ctx, s1.SID, roles[0].SID, func(r *model.Role) error {
		equal(t, "UpdateRole fn argument", r, &roles[0])
		r.Permissions[0] = "mutated"
		return errAbort
	})
	wantAbort(t, "UpdateRole", err)
	gotRole, err := e.s.GetRole(e.ctx, s1.SID, roles[0].SID)
	must(t, err)
	equal(t, "role after aborted update", gotRole, &roles[0])

	wantUser := e.getUser(alice)
	_, err = e.s.UpdateUser(e.ctx, s1.SID, alice.SID, func(u *model.User) error {
		equal(t, "UpdateUser fn argument", u, wantUser)
		u.FriendlyName = "changed"
		return errAbort
	})
	wantAbort(t, "UpdateUser", err)
	equal(t, "user after aborted update", e.getUser(alice), wantUser)

	wantCh := e.getChannel(ch)
	_, err = e.s.UpdateChannel(e.ctx, s1.SID, ch.SID, func(c *model.Channel) error {
		equal(t, "UpdateChannel fn argument", c, wantCh)
		c.UniqueName = "renamed"
		return errAbort
	})
	wantAbort(t, "UpdateChannel", err)
	equal(t, "channel after aborted update", e.getChannel(ch), wantCh)
	_, err = e.s.GetChannelByUniqueName(e.ctx, s1.SID, "renamed")
	wantNotFound(t, "unique name of an aborted rename", err)
	gotCh, err := e.s.GetChannelByUniqueName(e.ctx, s1.SID, "general")
	must(t, err)
	equal(t, "channel by its name after an aborted rename", gotCh, wantCh)

	_, err = e.s.UpdateMember(e.ctx, s1.SID, ch.SID, m.SID, func(x *model.Member) error {
		equal(t, "UpdateMember fn argument", x, m)
		x.LastConsumedMessageIndex = intp(int64(0))
		return errAbort
	})
	wantAbort(t, "UpdateMember", err)
	gotM, err := e.s.GetMember(e.ctx, s1.SID, ch.SID, m.SID)
	must(t, err)
	equal(t, "member after aborted update", gotM, m)

	_, err = e.s.UpdateMessage(e.ctx, s1.SID, ch.SID, msg.SID, func(x *model.Message) error {
		equal(t, "UpdateMessage fn argument", x, msg)
		x.Body = "changed"
		return errAbort
	})
	wantAbort(t, "UpdateMessage", err)
	gotMsg, err := e.s.GetMessage(e.ctx, s1.SID, ch.SID, msg.SID)
	must(t, err)
	equal(t, "message after aborted update", gotMsg, msg)

	_, err = e.s.UpdateWebhook(e.ctx, s1.SID, ch.SID, w.SID, func(x *model.Webhook) error {
		equal(t, "UpdateWebhook fn argument", x, w)
		x.URL = "https://example.com/changed"
		return errAbort
	})
	wantAbort(t, "UpdateWebhook", err)
	gotW, err := e.s.GetWebhook(e.ctx, s1.SID, ch.SID, w.SID)
	must(t, err)
	equal(t, "webhook after aborted update", gotW, w)

	now := e.tick()
	cred := &model.Credential{SID: model.NewSID(model.PrefixCredential), AccountSID: accountSID, Type: "apn", DateCreated: now, DateUpdated: now}
	must(t, e.s.CreateCredential(e.ctx, cred))
	_, err = e.s.UpdateCredential(e.ctx, cred.SID, func(x *model.Credential) error {
		equal(t, "UpdateCredential fn argument", x, cred)
		x.FriendlyName = "changed"
		return errAbort
	})
	wantAbort(t, "UpdateCredential", err)
	gotC, err := e.s.GetCredential(e.ctx, cred.SID)
	must(t, err)
	equal(t, "credential after aborted update", gotC, cred)

	// A value returned by an Update is not the store's: changing it does not
	// change what is stored.
	upd, err := e.s.UpdateUser(e.ctx, s1.SID, alice.SID, func(u *model.User) error { u.FriendlyName = "v2"; return nil })
	must(t, err)
	upd.FriendlyName = "scribbled"
	if got := e.getUser(alice).FriendlyName; got != "v2" {
		t.Fatalf("user after scribbling on the returned value: FriendlyName %q, want v2", got)
	}
}

func testDeleteChannelCascade(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	alice, bob := e.user(s1, "alice"), e.user(s1, "bob")
	ch, keep := e.channel(s1, "doomed"), e.channel(s1, "kept")
	ma, mb := e.member(ch, alice), e.member(ch, bob)
	e.member(keep, alice)
	msg := e.message(ch, "hi", 0)
	cid := e.withClientID(e.newMessage(ch, "with id"), "cid-1")
	_, _, err := e.s.CreateMessage(e.ctx, cid)
	must(t, err)
	carol := e.user(s1, "carol")
	in := e.invite(ch, "carol")
	w := e.newWebhook(ch)
	must(t, e.s.CreateWebhook(e.ctx, w, 0))
	keptMsg := e.message(keep, "kept", 0)
	e.counts(ch, 2, map[*model.User]int{alice: 2, bob: 1})

	must(t, errOf(e.s.DeleteChannel(e.ctx, s1.SID, ch.SID)))

	e.counts(keep, 1, map[*model.User]int{alice: 1, bob: 0})
	_, err = e.s.GetMember(e.ctx, s1.SID, ch.SID, ma.SID)
	wantNotFound(t, "member of a deleted channel", err)
	_, err = e.s.GetMember(e.ctx, s1.SID, ch.SID, mb.SID)
	wantNotFound(t, "member of a deleted channel", err)
	_, err = e.s.GetMemberByIdentity(e.ctx, s1.SID, ch.SID, "alice")
	wantNotFound(t, "member by identity of a deleted channel", err)
	_, err = e.s.GetMessage(e.ctx, s1.SID, ch.SID, msg.SID)
	wantNotFound(t, "message of a deleted channel", err)
	_, err = e.s.GetMessageByIndex(e.ctx, s1.SID, ch.SID, 1)
	wantNotFound(t, "message by index of a deleted channel", err)
	_, err = e.s.GetInvite(e.ctx, s1.SID, ch.SID, in.SID)
	wantNotFound(t, "invite of a deleted channel", err)
	_, err = e.s.GetWebhook(e.ctx, s1.SID, ch.SID, w.SID)
	wantNotFound(t, "webhook of a deleted channel", err)
	_, err = e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, ch.SID)
	wantNotFound(t, "user channel of a deleted channel", err)
	_, err = e.s.GetUserChannel(e.ctx, s1.SID, carol.SID, ch.SID)
	wantNotFound(t, "invite row of a deleted channel", err)
	p, err := e.s.ListUserChannels(e.ctx, s1.SID, alice.SID, all())
	must(t, err)
	equal(t, "alice's channels after the delete", sidsOf(p.Items, ucSID), []string{keep.SID})
	p, err = e.s.ListUserChannels(e.ctx, s1.SID, carol.SID, all())
	must(t, err)
	if len(p.Items) != 0 {
		t.Fatalf("carol's channels after the delete: %d rows, want 0", len(p.Items))
	}
	got, err := e.s.GetMessage(e.ctx, s1.SID, keep.SID, keptMsg.SID)
	must(t, err)
	equal(t, "message of the other channel", got, keptMsg)

	// Everything keyed by the old channel is gone: a channel with the same
	// unique name starts clean, and the client ID is no longer known there.
	again := e.channel(s1, "doomed")
	e.counts(again, 0, nil)
	e.member(again, bob)
	e.invite(again, "carol")
	e.message(again, "first", 0)
}

func testDeleteUserCascade(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	alice, bob := e.user(s1, "alice"), e.user(s1, "bob")
	c1, c2, c3 := e.channel(s1, "c1"), e.channel(s1, "c2"), e.channel(s1, "c3")
	ma1, _ := e.member(c1, alice), e.member(c2, alice)
	e.member(c1, bob)
	in := e.invite(c3, "alice")
	bobInvite := e.invite(c3, "bob")
	ba := e.newBinding(alice, "apn")
	bb := e.newBinding(bob, "apn")
	must(t, e.s.CreateBinding(e.ctx, ba))
	must(t, e.s.CreateBinding(e.ctx, bb))
	msg := e.message(c1, "from alice", 0)
	e.counts(c1, 2, nil)
	e.counts(c2, 1, nil)

	must(t, e.s.DeleteUser(e.ctx, s1.SID, alice.SID))

	e.counts(c1, 1, map[*model.User]int{bob: 1})
	e.counts(c2, 0, nil)
	_, err := e.s.GetMember(e.ctx, s1.SID, c1.SID, ma1.SID)
	wantNotFound(t, "membership of a deleted user", err)
	_, err = e.s.GetMemberByIdentity(e.ctx, s1.SID, c2.SID, "alice")
	wantNotFound(t, "membership by identity of a deleted user", err)
	_, err = e.s.GetInvite(e.ctx, s1.SID, c3.SID, in.SID)
	wantNotFound(t, "invite of a deleted user", err)
	_, err = e.s.GetBinding(e.ctx, s1.SID, ba.SID)
	wantNotFound(t, "binding of a deleted user", err)
	_, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "alice")
	wantNotFound(t, "user by identity after delete", err)
	// Others are untouched; messages stay.
	gotIn, err := e.s.GetInvite(e.ctx, s1.SID, c3.SID, bobInvite.SID)
	must(t, err)
	equal(t, "other user's invite", gotIn, bobInvite)
	bp, err := e.s.ListBindings(e.ctx, s1.SID, model.BindingFilter{}, all())
	must(t, err)
	equal(t, "bindings after the delete", bp.Items, []model.Binding{*bb})
	gotMsg, err := e.s.GetMessage(e.ctx, s1.SID, c1.SID, msg.SID)
	must(t, err)
	equal(t, "message of a deleted user", gotMsg, msg)
	mp, err := e.s.ListMembers(e.ctx, s1.SID, c1.SID, nil, all())
	must(t, err)
	if len(mp.Items) != 1 || mp.Items[0].Identity != "bob" {
		t.Fatalf("members of c1 after the delete: %+v", mp.Items)
	}

	// The identity starts afresh.
	alice2 := e.user(s1, "alice")
	if n := e.getUser(alice2).JoinedChannelsCount; n != 0 {
		t.Fatalf("re-created user JoinedChannelsCount = %d", n)
	}
	e.member(c2, alice2)
	e.invite(c3, "alice")
	p, err := e.s.ListUserChannels(e.ctx, s1.SID, alice2.SID, all())
	must(t, err)
	equal(t, "re-created user's channels", sidsOf(p.Items, ucSID), sorted(c2.SID, c3.SID))
}

func testDeleteServiceCascade(t *testing.T, h Harness) {
	e := newEnv(t, h)
	doomed, roles := e.service()
	kept, keptRoles := e.service()
	type world struct {
		u   *model.User
		ch  *model.Channel
		m   *model.Member
		msg *model.Message
		in  *model.Invite
		w   *model.Webhook
		b   *model.Binding
	}
	build := func(s *model.Service) world {
		u := e.user(s, "alice")
		ch := e.channel(s, "general")
		wd := world{u: u, ch: ch, m: e.member(ch, u), msg: e.message(ch, "hi", 0), in: e.invite(ch, "bob")}
		wd.w = e.newWebhook(ch)
		must(t, e.s.CreateWebhook(e.ctx, wd.w, 0))
		wd.b = e.newBinding(u, "fcm")
		must(t, e.s.CreateBinding(e.ctx, wd.b))
		return wd
	}
	d, k := build(doomed), build(kept)

	must(t, e.s.DeleteService(e.ctx, doomed.SID))

	svc, sid := doomed.SID, d.ch.SID
	checks := map[string]error{}
	_, checks["service"] = e.s.GetService(e.ctx, svc)
	_, checks["role"] = e.s.GetRole(e.ctx, svc, roles[0].SID)
	_, checks["user"] = e.s.GetUser(e.ctx, svc, d.u.SID)
	_, checks["user by identity"] = e.s.GetUserByIdentity(e.ctx, svc, "alice")
	_, checks["channel"] = e.s.GetChannel(e.ctx, svc, sid)
	_, checks["channel by unique name"] = e.s.GetChannelByUniqueName(e.ctx, svc, "general")
	_, checks["member"] = e.s.GetMember(e.ctx, svc, sid, d.m.SID)
	_, checks["member by identity"] = e.s.GetMemberByIdentity(e.ctx, svc, sid, "alice")
	_, checks["message"] = e.s.GetMessage(e.ctx, svc, sid, d.msg.SID)
	_, checks["message by index"] = e.s.GetMessageByIndex(e.ctx, svc, sid, 0)
	_, checks["invite"] = e.s.GetInvite(e.ctx, svc, sid, d.in.SID)
	_, checks["webhook"] = e.s.GetWebhook(e.ctx, svc, sid, d.w.SID)
	_, checks["binding"] = e.s.GetBinding(e.ctx, svc, d.b.SID)
	_, checks["user channel"] = e.s.GetUserChannel(e.ctx, svc, d.u.SID, sid)
	for what, err := range checks {
		wantNotFound(t, what+" of a deleted service", err)
	}
	sp, err := e.s.ListServices(e.ctx, all())
	must(t, err)
	equal(t, "services after the delete", sidsOf(sp.Items, func(s model.Service) string { return s.SID }), []string{kept.SID})

	// The other service is whole.
	got, err := e.s.GetUserByIdentity(e.ctx, kept.SID, "alice")
	must(t, err)
	equal(t, "user of the kept service", got, e.getUser(k.u))
	gotMsg, err := e.s.GetMessageByIndex(e.ctx, kept.SID, k.ch.SID, 0)
	must(t, err)
	equal(t, "message of the kept service", gotMsg, k.msg)
	rp, err := e.s.ListRoles(e.ctx, kept.SID, all())
	must(t, err)
	if len(rp.Items) != len(keptRoles) {
		t.Fatalf("roles of the kept service: %d, want %d", len(rp.Items), len(keptRoles))
	}
	uc, err := e.s.GetUserChannel(e.ctx, kept.SID, k.u.SID, k.ch.SID)
	must(t, err)
	equal(t, "user channel of the kept service", uc.Member, k.m)
	e.counts(k.ch, 1, map[*model.User]int{k.u: 1})
}
