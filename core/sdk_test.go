package core_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// sdkWantNotFound checks for the 404/20404 a missing channel gives.
func sdkWantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	sdkWant(t, what, err, model.KindNotFound, model.CodeNotFound)
}

// counts checks a channel's MembersCount and a user's JoinedChannelsCount.
func (e *sdkEnv) counts(what, channel string, members int, identity string, joined int) {
	e.t.Helper()
	ch := e.getChannel(channel)
	u, err := e.core.GetUser(e.ctx, api, e.svc.SID, identity)
	sdkMust(e.t, what, err)
	if ch.MembersCount != members || u.JoinedChannelsCount != joined {
		e.t.Fatalf("%s: channel MembersCount %d, %s JoinedChannelsCount %d; want %d, %d",
			what, ch.MembersCount, identity, u.JoinedChannelsCount, members, joined)
	}
}

// descriptorSIDs returns the channel SIDs of descriptors with their status.
func descriptorSIDs(ds []core.Descriptor) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Channel.SID+":"+d.Status)
	}
	return out
}

func TestSDKConnect(t *testing.T) {
	e := newSDKEnv(t)
	u, err := e.core.Connect(e.ctx, sdkActor("neo"), e.svc.SID)
	sdkMust(t, "Connect", err)
	if u.Identity != "neo" || u.RoleSID != e.svc.DefaultServiceRoleSID {
		t.Fatalf("Connect: user %s role %s, want neo with the default service role", u.Identity, u.RoleSID)
	}
	again, err := e.core.Connect(e.ctx, sdkActor("neo"), e.svc.SID)
	sdkMust(t, "Connect again", err)
	if again.SID != u.SID {
		t.Fatalf("second Connect made another user: %s, %s", again.SID, u.SID)
	}
	_, err = e.core.Connect(e.ctx, sdkActor("neo"), "IS"+"00000000000000000000000000000000")
	sdkWantNotFound(t, "Connect to a missing service", err)
	_, err = e.core.Connect(e.ctx, sdkActor(""), e.svc.SID)
	sdkWant(t, "Connect without identity", err, model.KindForbidden, model.CodeNotAuthorized)
}

// TestSDKPrivateInvisible: a private channel answers 404/20404, as a channel
// that does not exist, to an end user who is neither member, invitee nor
// creator, even one whose service role holds every permission; it is absent
// from their descriptor lists. Members, the invitee and the creator see it.
func TestSDKPrivateInvisible(t *testing.T) {
	e := newSDKEnv(t)
	roles := e.roles()
	admin := roles[model.RoleNameServiceAdmin].SID
	e.user("alice", "")
	e.user("bob", "")
	e.user("carol", admin) // holds every service permission, still no business here
	_, err := e.core.CreateChannel(e.ctx, sdkActor("dave"), e.svc.SID, core.ChannelCreate{UniqueName: "secret", Type: "private"})
	if model.KindOf(err) != model.KindForbidden {
		// dave has no user yet: no role, no createChannel.
		t.Fatalf("CreateChannel by a user who never connected: %v", err)
	}
	_, err = e.core.Connect(e.ctx, sdkActor("dave"), e.svc.SID)
	sdkMust(t, "Connect dave", err)
	sec, err := e.core.CreateChannel(e.ctx, sdkActor("dave"), e.svc.SID, core.ChannelCreate{UniqueName: "secret", Type: "private"})
	sdkMust(t, "CreateChannel private", err)
	e.member(sec.SID, "alice", "")
	msg := e.send(sec.SID, "hush")
	_, err = e.core.CreateInvite(e.ctx, api, e.svc.SID, sec.SID, core.InviteCreate{Identity: "bob"})
	sdkMust(t, "invite bob", err)
	pub := e.channel("lobby", model.ChannelPublic)

	carol := sdkActor("carol")
	missing := "CH" + "00000000000000000000000000000000"
	for _, key := range []string{sec.SID, "secret", missing} {
		body, name, muted, idx := "x", "x", "muted", int64(0)
		checks := map[string]error{}
		_, checks["ChannelDescriptor"] = e.core.ChannelDescriptor(e.ctx, carol, e.svc.SID, key)
		_, checks["GetChannel"] = e.core.GetChannel(e.ctx, carol, e.svc.SID, key)
		_, checks["MessagesAround"] = e.core.MessagesAround(e.ctx, carol, e.svc.SID, key, nil, false, 10)
		_, checks["MessageByIndex"] = e.core.MessageByIndex(e.ctx, carol, e.svc.SID, key, 0)
		_, checks["GetMessage"] = e.core.GetMessage(e.ctx, carol, e.svc.SID, key, msg.SID)
		_, _, checks["ListMessages"] = e.core.ListMessages(e.ctx, carol, e.svc.SID, key, "", core.PageParams{})
		_, checks["JoinChannel"] = e.core.JoinChannel(e.ctx, carol, e.svc.SID, key)
		checks["LeaveChannel"] = e.core.LeaveChannel(e.ctx, carol, e.svc.SID, key)
		checks["DeclineInvite"] = e.core.DeclineInvite(e.ctx, carol, e.svc.SID, key)
		_, checks["CreateMessage"] = e.core.CreateMessage(e.ctx, carol, e.svc.SID, key, core.MessageCreate{Body: &body})
		_, checks["UpdateMessage"] = e.core.UpdateMessage(e.ctx, carol, e.svc.SID, key, msg.SID, core.MessageUpdate{Body: &body})
		checks["DeleteMessage"] = e.core.DeleteMessage(e.ctx, carol, e.svc.SID, key, msg.SID)
		_, _, checks["ListMembers"] = e.core.ListMembers(e.ctx, carol, e.svc.SID, key, nil, core.PageParams{})
		_, checks["GetMember"] = e.core.GetMember(e.ctx, carol, e.svc.SID, key, "alice")
		_, checks["CreateMember"] = e.core.CreateMember(e.ctx, carol, e.svc.SID, key, core.MemberCreate{Identity: "carol"})
		checks["DeleteMember"] = e.core.DeleteMember(e.ctx, carol, e.svc.SID, key, "alice")
		_, checks["CreateInvite"] = e.core.CreateInvite(e.ctx, carol, e.svc.SID, key, core.InviteCreate{Identity: "carol"})
		_, checks["UpdateChannel"] = e.core.UpdateChannel(e.ctx, carol, e.svc.SID, key, core.ChannelUpdate{FriendlyName: &name})
		checks["DeleteChannel"] = e.core.DeleteChannel(e.ctx, carol, e.svc.SID, key)
		_, checks["SetReadHorizon"] = e.core.SetReadHorizon(e.ctx, carol, e.svc.SID, key, core.HorizonSet, &idx)
		_, checks["Typing"] = e.core.Typing(e.ctx, carol, e.svc.SID, key)
		_, checks["UpdateUserChannel"] = e.core.UpdateUserChannel(e.ctx, carol, e.svc.SID, "carol", key, core.UserChannelUpdate{NotificationLevel: &muted})
		for what, err := range checks {
			sdkWantNotFound(t, fmt.Sprintf("%s(%s) by an outsider", what, key), err)
		}
	}
	_, err = e.core.Membership(e.ctx, carol, e.svc.SID, sec.SID)
	sdkWant(t, "Membership of an outsider", err, model.KindNotFound, 0)
	if got := e.getChannel(sec.SID); got.MembersCount != 1 || got.MessagesCount != 1 || got.FriendlyName != "" {
		t.Fatalf("the private channel changed under the outsider's calls: %+v", got)
	}
	for _, public := range []bool{true, false} {
		ds, _, err := e.core.ChannelDescriptors(e.ctx, carol, e.svc.SID, public, core.PageParams{})
		sdkMust(t, "ChannelDescriptors", err)
		for _, d := range ds {
			if d.Channel.SID == sec.SID {
				t.Fatalf("ChannelDescriptors(public=%v) of an outsider lists the private channel", public)
			}
		}
		if public && !slices.Equal(descriptorSIDs(ds), []string{pub.SID + ":notParticipating"}) {
			t.Fatalf("public descriptors of carol: %v", descriptorSIDs(ds))
		}
	}

	// The member, the invitee and the creator see it.
	d, err := e.core.ChannelDescriptor(e.ctx, sdkActor("alice"), e.svc.SID, "secret")
	sdkMust(t, "descriptor of the member", err)
	if d.Status != core.StatusJoined || d.Member == nil || d.Member.Identity != "alice" {
		t.Fatalf("member's descriptor: %+v", d)
	}
	d, err = e.core.ChannelDescriptor(e.ctx, sdkActor("bob"), e.svc.SID, sec.SID)
	sdkMust(t, "descriptor of the invitee", err)
	if d.Status != core.StatusInvited || d.Invite == nil || d.Member != nil || d.Unread != nil {
		t.Fatalf("invitee's descriptor: %+v", d)
	}
	d, err = e.core.ChannelDescriptor(e.ctx, sdkActor("dave"), e.svc.SID, sec.SID)
	sdkMust(t, "descriptor of the creator", err)
	if d.Status != core.StatusNotParticipating {
		t.Fatalf("creator's descriptor: %+v", d)
	}
	ds, _, err := e.core.ChannelDescriptors(e.ctx, sdkActor("bob"), e.svc.SID, false, core.PageParams{})
	sdkMust(t, "bob's descriptors", err)
	if !slices.Equal(descriptorSIDs(ds), []string{sec.SID + ":invited"}) {
		t.Fatalf("bob's channels: %v", descriptorSIDs(ds))
	}
	// The invitee sees it but cannot read it before joining.
	_, err = e.core.MessagesAround(e.ctx, sdkActor("bob"), e.svc.SID, sec.SID, nil, false, 10)
	sdkWant(t, "history for the invitee", err, model.KindInvalid, 50400)
	got, err := e.core.MessagesAround(e.ctx, sdkActor("alice"), e.svc.SID, sec.SID, nil, false, 10)
	sdkMust(t, "history for the member", err)
	if len(got) != 1 || got[0].SID != msg.SID {
		t.Fatalf("member's history: %v", got)
	}
	m, err := e.core.Membership(e.ctx, sdkActor("alice"), e.svc.SID, sec.SID)
	sdkMust(t, "Membership of the member", err)
	if m.Identity != "alice" || m.ChannelSID != sec.SID {
		t.Fatalf("Membership: %+v", m)
	}
	_, err = e.core.Membership(e.ctx, sdkActor("alice"), e.svc.SID, "secret")
	sdkWant(t, "Membership by unique name (SIDs only)", err, model.KindNotFound, 0)
}

// TestSDKJoinLeaveDecline drives the membership flows and checks roles,
// counters, invites and events.
func TestSDKJoinLeaveDecline(t *testing.T) {
	e := newSDKEnv(t)
	roles := e.roles()
	for _, id := range []string{"eve", "frank", "gina", "hal"} {
		e.user(id, "")
	}
	pub := e.channel("plaza", model.ChannelPublic)
	e.take()

	// Public: joinChannel is enough; the default channel role.
	m, err := e.core.JoinChannel(e.ctx, sdkActor("eve"), e.svc.SID, "plaza")
	sdkMust(t, "join", err)
	if m.RoleSID != e.svc.DefaultChannelRoleSID || m.Identity != "eve" {
		t.Fatalf("joined member: role %s identity %s", m.RoleSID, m.Identity)
	}
	e.counts("after join", "plaza", 1, "eve", 1)
	evs := e.take()
	if len(evs) != 1 || evs[0].Type != model.EventMemberJoined || evs[0].Seq != 1 || evs[0].Epoch != pub.Epoch || evs[0].Member.SID != m.SID || evs[0].Actor != "eve" {
		t.Fatalf("join events: %+v", evs)
	}
	_, err = e.core.JoinChannel(e.ctx, sdkActor("eve"), e.svc.SID, "plaza")
	sdkWant(t, "join twice", err, model.KindConflict, model.CodeMemberExists)
	e.counts("after the second join", "plaza", 1, "eve", 1)

	// Leave: memberLeft with the member as it was; counters back.
	sdkMust(t, "leave", e.core.LeaveChannel(e.ctx, sdkActor("eve"), e.svc.SID, pub.SID))
	e.counts("after leave", "plaza", 0, "eve", 0)
	evs = e.take()
	if len(evs) != 1 || evs[0].Type != model.EventMemberLeft || evs[0].Seq != 2 || evs[0].Member.SID != m.SID {
		t.Fatalf("leave events: %+v", evs)
	}
	sdkWant(t, "leave again", e.core.LeaveChannel(e.ctx, sdkActor("eve"), e.svc.SID, pub.SID), model.KindInvalid, 50400)

	// The creator joins their channel as channel admin (Twilio's creator
	// role), even a private one nobody invited them to.
	own, err := e.core.CreateChannel(e.ctx, sdkActor("frank"), e.svc.SID, core.ChannelCreate{UniqueName: "franks", Type: "private"})
	sdkMust(t, "create", err)
	if own.CreatedBy != "frank" {
		t.Fatalf("created by %q", own.CreatedBy)
	}
	m, err = e.core.JoinChannel(e.ctx, sdkActor("frank"), e.svc.SID, "franks")
	sdkMust(t, "creator joins", err)
	if m.RoleSID != e.svc.DefaultChannelCreatorRoleSID {
		t.Fatalf("creator's role %s, want the creator role %s", m.RoleSID, e.svc.DefaultChannelCreatorRoleSID)
	}
	// Not invited: the private channel is invisible to gina.
	_, err = e.core.JoinChannel(e.ctx, sdkActor("gina"), e.svc.SID, "franks")
	sdkWantNotFound(t, "join a private channel without an invite", err)

	// Invited (by frank, channel admin) with a role: joining accepts the
	// invite, takes its role, and the invite is gone.
	inv, err := e.core.CreateInvite(e.ctx, sdkActor("frank"), e.svc.SID, "franks", core.InviteCreate{Identity: "gina", RoleSID: roles[model.RoleNameChannelAdmin].SID})
	sdkMust(t, "invite gina", err)
	e.take()
	m, err = e.core.JoinChannel(e.ctx, sdkActor("gina"), e.svc.SID, "franks")
	sdkMust(t, "accept", err)
	if m.RoleSID != inv.RoleSID {
		t.Fatalf("accepted member's role %s, want the invite's %s", m.RoleSID, inv.RoleSID)
	}
	e.counts("after accept", "franks", 2, "gina", 1)
	if _, err := e.core.GetInvite(e.ctx, api, e.svc.SID, "franks", inv.SID); model.KindOf(err) != model.KindNotFound {
		t.Fatalf("invite after accept: %v", err)
	}
	evs = e.take()
	if len(evs) != 1 || evs[0].Type != model.EventMemberJoined || evs[0].Invite == nil || evs[0].Invite.SID != inv.SID {
		t.Fatalf("accept events: %+v", evs)
	}

	// Decline: the invite goes, the channel becomes invisible again.
	inv, err = e.core.CreateInvite(e.ctx, sdkActor("gina"), e.svc.SID, "franks", core.InviteCreate{Identity: "hal"})
	sdkMust(t, "invite hal", err)
	e.take()
	sdkMust(t, "decline", e.core.DeclineInvite(e.ctx, sdkActor("hal"), e.svc.SID, "franks"))
	evs = e.take()
	if len(evs) != 1 || evs[0].Type != model.EventInviteRemoved || evs[0].Invite.SID != inv.SID || evs[0].Seq != 0 {
		t.Fatalf("decline events: %+v", evs)
	}
	sdkWantNotFound(t, "decline again (invisible now)", e.core.DeclineInvite(e.ctx, sdkActor("hal"), e.svc.SID, "franks"))
	e.counts("after decline", "franks", 2, "hal", 0)
	sdkWant(t, "decline without an invite (public)", e.core.DeclineInvite(e.ctx, sdkActor("hal"), e.svc.SID, "plaza"), model.KindNotFound, model.CodeNotFound)

	// A role without joinChannel can neither join nor accept.
	nojoin, err := e.core.CreateRole(e.ctx, api, e.svc.SID, core.RoleCreate{FriendlyName: "nojoin", Type: "deployment", Permissions: []string{model.PermCreateChannel}})
	sdkMust(t, "role", err)
	e.user("ivan", nojoin.SID)
	_, err = e.core.JoinChannel(e.ctx, sdkActor("ivan"), e.svc.SID, "plaza")
	sdkWant(t, "join without joinChannel", err, model.KindForbidden, model.CodeNotAuthorized)
	_, err = e.core.CreateInvite(e.ctx, api, e.svc.SID, "franks", core.InviteCreate{Identity: "ivan"})
	sdkMust(t, "invite ivan", err)
	_, err = e.core.JoinChannel(e.ctx, sdkActor("ivan"), e.svc.SID, "franks")
	sdkWant(t, "accept without joinChannel", err, model.KindForbidden, model.CodeNotAuthorized)
	e.counts("after refused joins", "franks", 2, "ivan", 0)

	// Leaving needs leaveChannel: a member whose channel role lacks it stays.
	stay, err := e.core.CreateRole(e.ctx, api, e.svc.SID, core.RoleCreate{FriendlyName: "stay", Type: "channel", Permissions: []string{model.PermSendMessage}})
	sdkMust(t, "role", err)
	e.member("plaza", "hal", stay.SID)
	sdkWant(t, "leave without leaveChannel", e.core.LeaveChannel(e.ctx, sdkActor("hal"), e.svc.SID, "plaza"), model.KindForbidden, model.CodeNotAuthorized)
	e.counts("after the refused leave", "plaza", 1, "hal", 1)
}

// horizonOf returns the actor's read horizon on a channel.
func (e *sdkEnv) horizonOf(identity, channel string) *int64 {
	e.t.Helper()
	m, err := e.core.Membership(e.ctx, sdkActor(identity), e.svc.SID, channel)
	sdkMust(e.t, "Membership", err)
	return m.LastConsumedMessageIndex
}

func TestSDKReadHorizon(t *testing.T) {
	e := newSDKEnv(t)
	ch := e.channel("room", model.ChannelPublic)
	e.member(ch.SID, "alice", "")
	e.user("bob", "")
	var msgs []*model.Message
	for i := range 10 {
		msgs = append(msgs, e.send(ch.SID, "m"+strconv.Itoa(i)))
	}
	sdkMust(t, "delete index 5", e.core.DeleteMessage(e.ctx, api, e.svc.SID, ch.SID, msgs[5].SID))
	e.take()
	alice := sdkActor("alice")
	i64 := func(v int64) *int64 { return &v }
	steps := []struct {
		name    string
		mode    core.HorizonMode
		index   *int64
		unread  int
		horizon *int64
		event   bool
	}{
		{"set 3", core.HorizonSet, i64(3), 5, i64(3), true}, // 4, 6, 7, 8, 9 (5 is deleted)
		{"set backwards to 1", core.HorizonSet, i64(1), 7, i64(1), true},
		{"set null", core.HorizonSet, nil, 9, nil, true},
		{"advance from null to 6", core.HorizonAdvance, i64(6), 3, i64(6), true},
		{"advance backwards to 2: no change", core.HorizonAdvance, i64(2), 3, i64(6), false},
		{"advance to 6 again: no change", core.HorizonAdvance, i64(6), 3, i64(6), false},
		{"advance to 8", core.HorizonAdvance, i64(8), 1, i64(8), true},
		{"none", core.HorizonNone, nil, 9, nil, true},
		{"all", core.HorizonAll, nil, 0, i64(9), true},
		{"set past the end", core.HorizonSet, i64(50), 0, i64(50), true},
	}
	for _, s := range steps {
		n, err := e.core.SetReadHorizon(e.ctx, alice, e.svc.SID, "room", s.mode, s.index)
		sdkMust(t, s.name, err)
		if n != s.unread {
			t.Fatalf("%s: unread %d, want %d", s.name, n, s.unread)
		}
		h := e.horizonOf("alice", ch.SID)
		if (h == nil) != (s.horizon == nil) || h != nil && *h != *s.horizon {
			t.Fatalf("%s: horizon %v, want %v", s.name, h, s.horizon)
		}
		evs := e.take()
		switch {
		case s.event && (len(evs) != 1 || evs[0].Type != model.EventMemberUpdated || evs[0].Seq == 0 || evs[0].Member.LastConsumptionTimestamp == nil):
			t.Fatalf("%s: events %+v, want one memberUpdated with a seq", s.name, evs)
		case !s.event && len(evs) != 0:
			t.Fatalf("%s: events %+v, want none", s.name, evs)
		}
	}
	// The descriptor shows the same unread count.
	_, err := e.core.SetReadHorizon(e.ctx, alice, e.svc.SID, "room", core.HorizonSet, i64(7))
	sdkMust(t, "set 7", err)
	d, err := e.core.ChannelDescriptor(e.ctx, alice, e.svc.SID, "room")
	sdkMust(t, "descriptor", err)
	if d.Unread == nil || *d.Unread != 2 {
		t.Fatalf("descriptor unread %v, want 2", d.Unread)
	}

	_, err = e.core.SetReadHorizon(e.ctx, sdkActor("bob"), e.svc.SID, "room", core.HorizonAll, nil)
	sdkWant(t, "horizon of a non-member", err, model.KindInvalid, 50400)
	_, err = e.core.SetReadHorizon(e.ctx, alice, e.svc.SID, "room", core.HorizonAdvance, nil)
	sdkWant(t, "advance without index", err, model.KindInvalid, model.CodeInvalidParam)
	_, err = e.core.SetReadHorizon(e.ctx, alice, e.svc.SID, "room", core.HorizonSet, i64(-1))
	sdkWant(t, "negative index", err, model.KindInvalid, 50406)

	off := false
	_, err = e.core.UpdateService(e.ctx, api, e.svc.SID, core.ServiceUpdate{ReadStatusEnabled: &off})
	sdkMust(t, "disable read status", err)
	_, err = e.core.SetReadHorizon(e.ctx, alice, e.svc.SID, "room", core.HorizonAll, nil)
	sdkWant(t, "horizon with read status disabled", err, model.KindForbidden, 50450)
	if h := e.horizonOf("alice", ch.SID); h == nil || *h != 7 {
		t.Fatalf("horizon changed while read status is disabled: %v", h)
	}
}

// indices returns the indices of messages.
func indices(ms []model.Message) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.Index)
	}
	return out
}

func TestSDKMessagesAround(t *testing.T) {
	e := newSDKEnv(t)
	ch := e.channel("room", model.ChannelPublic)
	empty := e.channel("empty", model.ChannelPublic)
	e.member(ch.SID, "alice", "")
	e.member(empty.SID, "alice", "")
	e.user("bob", "")
	var msgs []*model.Message
	for i := range 10 {
		msgs = append(msgs, e.send(ch.SID, "m"+strconv.Itoa(i)))
	}
	sdkMust(t, "delete index 4", e.core.DeleteMessage(e.ctx, api, e.svc.SID, ch.SID, msgs[4].SID))
	alice := sdkActor("alice")
	i64 := func(v int64) *int64 { return &v }
	cases := []struct {
		name    string
		anchor  *int64
		forward bool
		size    int
		want    []int64
	}{
		{"backwards from the end", nil, false, 3, []int64{7, 8, 9}},
		{"backwards from 5 (4 deleted)", i64(5), false, 3, []int64{2, 3, 5}},
		{"backwards from a deleted anchor", i64(4), false, 2, []int64{2, 3}},
		{"backwards near the start", i64(1), false, 5, []int64{0, 1}},
		{"backwards from past the end", i64(100), false, 2, []int64{8, 9}},
		{"forward from the start", nil, true, 3, []int64{0, 1, 2}},
		{"forward from 0", i64(0), true, 2, []int64{0, 1}},
		{"forward from 3 (4 deleted)", i64(3), true, 3, []int64{3, 5, 6}},
		{"forward near the end", i64(8), true, 5, []int64{8, 9}},
		{"forward past the end", i64(20), true, 5, []int64{}},
		{"default size", nil, false, 0, []int64{0, 1, 2, 3, 5, 6, 7, 8, 9}},
		{"size clamped", nil, true, 1000, []int64{0, 1, 2, 3, 5, 6, 7, 8, 9}},
	}
	for _, c := range cases {
		got, err := e.core.MessagesAround(e.ctx, alice, e.svc.SID, "room", c.anchor, c.forward, c.size)
		sdkMust(t, c.name, err)
		if !slices.Equal(indices(got), c.want) {
			t.Fatalf("%s: indices %v, want %v", c.name, indices(got), c.want)
		}
	}
	got, err := e.core.MessagesAround(e.ctx, alice, e.svc.SID, "empty", nil, false, 5)
	sdkMust(t, "empty channel", err)
	if got == nil || len(got) != 0 {
		t.Fatalf("empty channel: %v, want an empty non-nil slice", got)
	}
	_, err = e.core.MessagesAround(e.ctx, alice, e.svc.SID, "room", nil, false, -1)
	sdkWant(t, "negative size", err, model.KindInvalid, model.CodeInvalidParam)
	_, err = e.core.MessagesAround(e.ctx, alice, e.svc.SID, "room", i64(-1), false, 5)
	sdkWant(t, "negative anchor", err, model.KindInvalid, model.CodeInvalidParam)
	_, err = e.core.MessagesAround(e.ctx, sdkActor("bob"), e.svc.SID, "room", nil, false, 5)
	sdkWant(t, "history of a non-member", err, model.KindInvalid, 50400)

	m, err := e.core.MessageByIndex(e.ctx, alice, e.svc.SID, "room", 5)
	sdkMust(t, "MessageByIndex", err)
	if m.SID != msgs[5].SID || m.Body != "m5" {
		t.Fatalf("MessageByIndex 5: %+v", m)
	}
	_, err = e.core.MessageByIndex(e.ctx, alice, e.svc.SID, "room", 4)
	sdkWantNotFound(t, "MessageByIndex of a deleted message", err)
	_, err = e.core.MessageByIndex(e.ctx, sdkActor("bob"), e.svc.SID, "room", 5)
	sdkWant(t, "MessageByIndex by a non-member", err, model.KindInvalid, 50400)
}

func TestSDKTyping(t *testing.T) {
	e := newSDKEnv(t)
	ch := e.channel("room", model.ChannelPublic)
	e.member(ch.SID, "alice", "")
	e.user("bob", "")
	timeout := 7
	_, err := e.core.UpdateService(e.ctx, api, e.svc.SID, core.ServiceUpdate{TypingIndicatorTimeout: &timeout})
	sdkMust(t, "set the typing timeout", err)
	e.take()
	got, err := e.core.Typing(e.ctx, sdkActor("alice"), e.svc.SID, "room")
	sdkMust(t, "Typing", err)
	if got != 7 {
		t.Fatalf("Typing timeout %d, want 7", got)
	}
	evs := e.take()
	if len(evs) != 1 || evs[0].Type != model.EventTypingStarted || evs[0].Identity != "alice" || evs[0].Timeout != 7 ||
		evs[0].ChannelSID != ch.SID || evs[0].Seq != 0 || evs[0].ServiceSID != e.svc.SID {
		t.Fatalf("typing events: %+v", evs)
	}
	_, err = e.core.Typing(e.ctx, sdkActor("bob"), e.svc.SID, "room")
	sdkWant(t, "Typing by a non-member", err, model.KindInvalid, 50400)
	if evs := e.take(); len(evs) != 0 {
		t.Fatalf("refused typing emitted %+v", evs)
	}
	e.core.TypingEnded(e.ctx, sdkActor("alice"), e.svc.SID, ch.SID)
	evs = e.take()
	if len(evs) != 1 || evs[0].Type != model.EventTypingEnded || evs[0].Identity != "alice" || evs[0].ChannelSID != ch.SID || evs[0].Seq != 0 {
		t.Fatalf("typingEnded events: %+v", evs)
	}
	if c := e.getChannel(ch.SID); c.Seq != 1 { // only alice's join
		t.Fatalf("typing moved the channel seq to %d", c.Seq)
	}
}

func TestSDKDescriptors(t *testing.T) {
	e := newSDKEnv(t)
	var pubs []*model.Channel
	for i := range 5 {
		pubs = append(pubs, e.channel("p"+strconv.Itoa(i), model.ChannelPublic))
	}
	priv := e.channel("priv", model.ChannelPrivate)
	e.member(pubs[1].SID, "alice", "")
	e.member(priv.SID, "alice", "")
	e.send(pubs[1].SID, "a")
	e.send(pubs[1].SID, "b")
	zero := int64(0)
	_, err := e.core.SetReadHorizon(e.ctx, sdkActor("alice"), e.svc.SID, pubs[1].SID, core.HorizonSet, &zero)
	sdkMust(t, "horizon", err)
	_, err = e.core.CreateInvite(e.ctx, api, e.svc.SID, pubs[3].SID, core.InviteCreate{Identity: "alice"})
	sdkMust(t, "invite", err)

	// Public descriptors, two per page, followed to the end.
	var all []core.Descriptor
	pp := core.PageParams{Size: new(int)}
	*pp.Size = 2
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("public descriptors never end")
		}
		ds, info, err := e.core.ChannelDescriptors(e.ctx, sdkActor("alice"), e.svc.SID, true, pp)
		sdkMust(t, "public descriptors", err)
		if len(ds) > 2 {
			t.Fatalf("page of %d, want at most 2", len(ds))
		}
		all = append(all, ds...)
		if info.NextToken == "" {
			break
		}
		pp.Token = info.NextToken
	}
	want := []string{pubs[0].SID + ":notParticipating", pubs[1].SID + ":joined", pubs[2].SID + ":notParticipating",
		pubs[3].SID + ":invited", pubs[4].SID + ":notParticipating"}
	if !slices.Equal(descriptorSIDs(all), want) {
		t.Fatalf("public descriptors:\n got  %v\n want %v", descriptorSIDs(all), want)
	}
	if u := all[1].Unread; u == nil || *u != 1 || all[1].Member == nil || all[1].Channel.MessagesCount != 2 {
		t.Fatalf("joined descriptor: unread %v member %v", u, all[1].Member)
	}
	if all[0].Unread != nil || all[0].Member != nil || all[0].Invite != nil {
		t.Fatalf("notParticipating descriptor: %+v", all[0])
	}

	// The user's own channels: joined and invited, private included.
	ds, _, err := e.core.ChannelDescriptors(e.ctx, sdkActor("alice"), e.svc.SID, false, core.PageParams{})
	sdkMust(t, "user descriptors", err)
	wantMine := []string{pubs[1].SID + ":joined", pubs[3].SID + ":invited", priv.SID + ":joined"}
	slices.Sort(wantMine)
	got := descriptorSIDs(ds)
	if !slices.Equal(got, wantMine) {
		t.Fatalf("user descriptors:\n got  %v\n want %v", got, wantMine)
	}

	// A user who never connected: everything public is notParticipating,
	// their own list is empty.
	ds, _, err = e.core.ChannelDescriptors(e.ctx, sdkActor("ghost"), e.svc.SID, true, core.PageParams{})
	sdkMust(t, "ghost public", err)
	if len(ds) != 5 || ds[1].Status != core.StatusNotParticipating {
		t.Fatalf("ghost's public descriptors: %v", descriptorSIDs(ds))
	}
	ds, _, err = e.core.ChannelDescriptors(e.ctx, sdkActor("ghost"), e.svc.SID, false, core.PageParams{})
	sdkMust(t, "ghost user", err)
	if ds == nil || len(ds) != 0 {
		t.Fatalf("ghost's own descriptors: %v", ds)
	}
	bad := 0
	_, _, err = e.core.ChannelDescriptors(e.ctx, sdkActor("alice"), e.svc.SID, true, core.PageParams{Size: &bad})
	sdkWant(t, "page size 0", err, model.KindInvalid, model.CodeInvalidParam)
	_, _, err = e.core.ChannelDescriptors(e.ctx, sdkActor("alice"), "IS"+"00000000000000000000000000000000", true, core.PageParams{})
	sdkWantNotFound(t, "descriptors of a missing service", err)
}
