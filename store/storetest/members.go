package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/model"
)

func memberSID(m model.Member) string { return m.SID }

// counts checks a channel's MembersCount and users' JoinedChannelsCount.
func (e *env) counts(ch *model.Channel, members int, users map[*model.User]int) {
	e.t.Helper()
	if got := e.getChannel(ch).MembersCount; got != members {
		e.t.Fatalf("channel %s MembersCount = %d, want %d", ch.UniqueName, got, members)
	}
	for u, n := range users {
		if got := e.getUser(u).JoinedChannelsCount; got != n {
			e.t.Fatalf("user %s JoinedChannelsCount = %d, want %d", u.Identity, got, n)
		}
	}
}

func testMembers(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	s2, _ := e.service()
	ch, ch2 := e.channel(s1, "a"), e.channel(s1, "b")
	alice, bob := e.user(s1, "alice"), e.user(s1, "bob")

	// Parents must exist.
	wantNotFound(t, "AddMember to a missing channel", e.s.AddMember(e.ctx, e.newMember(e.newChannel(s1, "x", model.ChannelPublic), alice), model.MemberLimits{}))
	wantNotFound(t, "AddMember of a missing user", e.s.AddMember(e.ctx, e.newMember(ch, e.newUser(s1, "ghost")), model.MemberLimits{}))
	foreign := e.user(s2, "carol")
	wantNotFound(t, "AddMember of a user of another service", e.s.AddMember(e.ctx, e.newMember(ch, foreign), model.MemberLimits{}))
	e.counts(ch, 0, map[*model.User]int{alice: 0})

	ma := e.member(ch, alice)
	got, err := e.s.GetMember(e.ctx, s1.SID, ch.SID, ma.SID)
	must(t, err)
	equal(t, "GetMember", got, ma)
	got, err = e.s.GetMemberByIdentity(e.ctx, s1.SID, ch.SID, "alice")
	must(t, err)
	equal(t, "GetMemberByIdentity", got, ma)
	_, err = e.s.GetMember(e.ctx, s1.SID, ch2.SID, ma.SID)
	wantNotFound(t, "GetMember under another channel", err)
	_, err = e.s.GetMemberByIdentity(e.ctx, s1.SID, ch2.SID, "alice")
	wantNotFound(t, "GetMemberByIdentity under another channel", err)
	_, err = e.s.GetMember(e.ctx, s2.SID, ch.SID, ma.SID)
	wantNotFound(t, "GetMember under another service", err)
	e.counts(ch, 1, map[*model.User]int{alice: 1, bob: 0})

	wantErr(t, "AddMember twice", e.s.AddMember(e.ctx, e.newMember(ch, alice), model.MemberLimits{}), model.KindConflict, model.CodeMemberExists)
	e.counts(ch, 1, map[*model.User]int{alice: 1})

	mb := e.member(ch, bob)
	ma2 := e.member(ch2, alice)
	e.counts(ch, 2, map[*model.User]int{alice: 2, bob: 1})
	e.counts(ch2, 1, nil)

	p, err := e.s.ListMembers(e.ctx, s1.SID, ch.SID, nil, all())
	must(t, err)
	equal(t, "ListMembers", sidsOf(p.Items, memberSID), sorted(ma.SID, mb.SID))
	p, err = e.s.ListMembers(e.ctx, s1.SID, ch.SID, []string{"bob", "nobody"}, all())
	must(t, err)
	equal(t, "ListMembers by identity", p.Items, []model.Member{*mb})
	p, err = e.s.ListMembers(e.ctx, s1.SID, ch2.SID, nil, all())
	must(t, err)
	equal(t, "ListMembers of the second channel", p.Items, []model.Member{*ma2})

	// Update: the read horizon and attributes change; identity, user and
	// parents do not.
	now := e.tick()
	seqBefore := e.getChannel(ch).Seq
	upd, err := e.s.UpdateMember(e.ctx, s1.SID, ch.SID, ma.SID, func(m *model.Member) error {
		m.LastConsumedMessageIndex, m.LastConsumptionTimestamp = intp(int64(7)), &now
		m.Attributes, m.NotificationLevel, m.RoleSID = `{"z":true}`, model.NotificationMuted, "RL"+"00000000000000000000000000000005"
		m.Identity, m.UserSID, m.ChannelSID, m.SID = "mallory", bob.SID, ch2.SID, "MBxx"
		return nil
	})
	must(t, err)
	want := *ma
	want.LastConsumedMessageIndex, want.LastConsumptionTimestamp = intp(int64(7)), &now
	want.Attributes, want.NotificationLevel, want.RoleSID = `{"z":true}`, model.NotificationMuted, "RL"+"00000000000000000000000000000005"
	want.Seq = seqBefore + 1
	equal(t, "UpdateMember result", upd, &want)
	got, err = e.s.GetMemberByIdentity(e.ctx, s1.SID, ch.SID, "alice")
	must(t, err)
	equal(t, "GetMemberByIdentity after update", got, &want)
	// Clearing the horizon stores nil.
	upd, err = e.s.UpdateMember(e.ctx, s1.SID, ch.SID, ma.SID, func(m *model.Member) error {
		m.LastConsumedMessageIndex, m.LastConsumptionTimestamp = nil, nil
		return nil
	})
	must(t, err)
	if upd.LastConsumedMessageIndex != nil || upd.LastConsumptionTimestamp != nil {
		t.Fatalf("UpdateMember clearing the horizon: %+v", upd)
	}
	_, err = e.s.UpdateMember(e.ctx, s1.SID, ch2.SID, ma.SID, func(*model.Member) error { return nil })
	wantNotFound(t, "UpdateMember under another channel", err)

	// Remove: counters go down, lookups miss, the user may join again.
	wantNotFound(t, "RemoveMember under another channel", errOf(e.s.RemoveMember(e.ctx, s1.SID, ch2.SID, mb.SID)))
	must(t, errOf(e.s.RemoveMember(e.ctx, s1.SID, ch.SID, ma.SID)))
	e.counts(ch, 1, map[*model.User]int{alice: 1, bob: 1})
	_, err = e.s.GetMember(e.ctx, s1.SID, ch.SID, ma.SID)
	wantNotFound(t, "GetMember after remove", err)
	_, err = e.s.GetMemberByIdentity(e.ctx, s1.SID, ch.SID, "alice")
	wantNotFound(t, "GetMemberByIdentity after remove", err)
	wantNotFound(t, "RemoveMember again", errOf(e.s.RemoveMember(e.ctx, s1.SID, ch.SID, ma.SID)))
	e.counts(ch, 1, map[*model.User]int{alice: 1})
	back := e.member(ch, alice)
	got, err = e.s.GetMemberByIdentity(e.ctx, s1.SID, ch.SID, "alice")
	must(t, err)
	equal(t, "GetMemberByIdentity after re-joining", got, back)
	e.counts(ch, 2, map[*model.User]int{alice: 2})

	// Joining deletes the identity's pending invite to that channel only.
	dave := e.user(s1, "dave")
	in := e.invite(ch, "dave")
	in2 := e.invite(ch2, "dave")
	e.member(ch, dave)
	_, err = e.s.GetInvite(e.ctx, s1.SID, ch.SID, in.SID)
	wantNotFound(t, "pending invite after AddMember", err)
	ip, err := e.s.ListInvites(e.ctx, s1.SID, ch.SID, nil, all())
	must(t, err)
	if len(ip.Items) != 0 {
		t.Fatalf("ListInvites after AddMember: %d invites, want 0", len(ip.Items))
	}
	got2, err := e.s.GetInvite(e.ctx, s1.SID, ch2.SID, in2.SID)
	must(t, err)
	equal(t, "invite to the other channel", got2, in2)
}

func testMemberLimits(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch, ch2, ch3 := e.channel(s1, "a"), e.channel(s1, "b"), e.channel(s1, "c")
	alice, bob, carol := e.user(s1, "alice"), e.user(s1, "bob"), e.user(s1, "carol")

	must(t, e.s.AddMember(e.ctx, e.newMember(ch, alice), model.MemberLimits{ChannelMembers: 2, UserChannels: 2}))
	must(t, e.s.AddMember(e.ctx, e.newMember(ch, bob), model.MemberLimits{ChannelMembers: 2, UserChannels: 2}))
	e.counts(ch, 2, nil)

	// Order of the checks: existence, then membership, then the channel's
	// limit, then the user's.
	ghost := e.newUser(s1, "ghost")
	wantNotFound(t, "AddMember of a missing user to a full channel", e.s.AddMember(e.ctx, e.newMember(ch, ghost), model.MemberLimits{ChannelMembers: 1, UserChannels: 1}))
	wantErr(t, "AddMember of a member to a full channel", e.s.AddMember(e.ctx, e.newMember(ch, alice), model.MemberLimits{ChannelMembers: 1, UserChannels: 1}),
		model.KindConflict, model.CodeMemberExists)
	wantErr(t, "AddMember to a full channel", e.s.AddMember(e.ctx, e.newMember(ch, carol), model.MemberLimits{ChannelMembers: 2}),
		model.KindForbidden, model.CodeMembersLimit)
	must(t, e.s.AddMember(e.ctx, e.newMember(ch2, alice), model.MemberLimits{}))
	wantErr(t, "AddMember over both limits", e.s.AddMember(e.ctx, e.newMember(ch, alice), model.MemberLimits{ChannelMembers: 2, UserChannels: 2}),
		model.KindConflict, model.CodeMemberExists)
	must(t, e.s.AddMember(e.ctx, e.newMember(ch3, bob), model.MemberLimits{}))
	// bob is in 2 channels, ch2 holds 1 member.
	wantErr(t, "AddMember of a user in too many channels", e.s.AddMember(e.ctx, e.newMember(ch2, bob), model.MemberLimits{ChannelMembers: 5, UserChannels: 2}),
		model.KindForbidden, model.CodeUserChannelsLimit)
	wantErr(t, "AddMember with both limits reached", e.s.AddMember(e.ctx, e.newMember(ch2, bob), model.MemberLimits{ChannelMembers: 1, UserChannels: 2}),
		model.KindForbidden, model.CodeMembersLimit)
	e.counts(ch2, 1, map[*model.User]int{alice: 2, bob: 2, carol: 0})
	// Under the limits (or with none) it works.
	must(t, e.s.AddMember(e.ctx, e.newMember(ch2, bob), model.MemberLimits{ChannelMembers: 2, UserChannels: 3}))
	must(t, e.s.AddMember(e.ctx, e.newMember(ch, carol), model.MemberLimits{}))
	e.counts(ch, 3, map[*model.User]int{bob: 3, carol: 1})
}

func testUserChannels(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	alice, bob := e.user(s1, "alice"), e.user(s1, "bob")
	c1, c2, c3, c4 := e.channel(s1, "c1"), e.channel(s1, "c2"), e.channel(s1, "c3"), e.channel(s1, "c4")
	for i := range 5 {
		e.message(c1, "m", int64(i))
	}
	m1 := e.member(c1, alice)
	m2 := e.member(c2, alice)
	in3 := e.invite(c3, "alice")
	e.member(c4, bob)

	// A horizon on c1: unread = messages above it.
	upd, err := e.s.UpdateMember(e.ctx, s1.SID, c1.SID, m1.SID, func(m *model.Member) error {
		m.LastConsumedMessageIndex = intp(int64(1))
		return nil
	})
	must(t, err)
	m1.LastConsumedMessageIndex, m1.Seq = intp(int64(1)), upd.Seq

	uc, err := e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, c1.SID)
	must(t, err)
	equal(t, "GetUserChannel of a membership with a horizon", uc,
		&model.UserChannel{Channel: *e.getChannel(c1), Member: m1, UnreadMessagesCount: intp(3)})
	uc, err = e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, c2.SID)
	must(t, err)
	equal(t, "GetUserChannel of a membership without horizon", uc, &model.UserChannel{Channel: *e.getChannel(c2), Member: m2})
	uc, err = e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, c3.SID)
	must(t, err)
	equal(t, "GetUserChannel of an invite", uc, &model.UserChannel{Channel: *e.getChannel(c3), Invite: in3})
	_, err = e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, c4.SID)
	wantNotFound(t, "GetUserChannel of a channel of someone else", err)
	_, err = e.s.GetUserChannel(e.ctx, s1.SID, e.newUser(s1, "ghost").SID, c1.SID)
	wantNotFound(t, "GetUserChannel of a missing user", err)

	p, err := e.s.ListUserChannels(e.ctx, s1.SID, alice.SID, all())
	must(t, err)
	want := []model.UserChannel{
		{Channel: *e.getChannel(c1), Member: m1, UnreadMessagesCount: intp(3)},
		{Channel: *e.getChannel(c2), Member: m2},
		{Channel: *e.getChannel(c3), Invite: in3},
	}
	sortUC(want)
	equal(t, "ListUserChannels", p.Items, want)
	if p.HasMore {
		t.Fatal("ListUserChannels: HasMore on the whole list")
	}
	p, err = e.s.ListUserChannels(e.ctx, s1.SID, bob.SID, all())
	must(t, err)
	equal(t, "ListUserChannels of bob", sidsOf(p.Items, ucSID), []string{c4.SID})

	// Unread counts follow deletions and new messages; a horizon at or past
	// the last message gives 0.
	msg3, err := e.s.GetMessageByIndex(e.ctx, s1.SID, c1.SID, 3)
	must(t, err)
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, c1.SID, msg3.SID)))
	e.message(c1, "late", 5)
	uc, err = e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, c1.SID)
	must(t, err)
	if uc.UnreadMessagesCount == nil || *uc.UnreadMessagesCount != 3 {
		t.Fatalf("unread after deleting index 3 and adding index 5: %v, want 3", show(uc.UnreadMessagesCount))
	}
	for _, tc := range []struct {
		horizon int64
		unread  int
	}{{5, 0}, {40, 0}, {4, 1}, {0, 4}, {-1, 5}} {
		_, err = e.s.UpdateMember(e.ctx, s1.SID, c1.SID, m1.SID, func(m *model.Member) error {
			m.LastConsumedMessageIndex = intp(tc.horizon)
			return nil
		})
		must(t, err)
		uc, err = e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, c1.SID)
		must(t, err)
		if uc.UnreadMessagesCount == nil || *uc.UnreadMessagesCount != tc.unread {
			t.Fatalf("unread with horizon %d: %v, want %d", tc.horizon, show(uc.UnreadMessagesCount), tc.unread)
		}
	}

	// Joining the invited channel turns the invite row into a member row.
	m3 := e.member(c3, alice)
	uc, err = e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, c3.SID)
	must(t, err)
	equal(t, "GetUserChannel after joining the invited channel", uc, &model.UserChannel{Channel: *e.getChannel(c3), Member: m3})
	// Leaving removes the row.
	must(t, errOf(e.s.RemoveMember(e.ctx, s1.SID, c2.SID, m2.SID)))
	p, err = e.s.ListUserChannels(e.ctx, s1.SID, alice.SID, all())
	must(t, err)
	equal(t, "ListUserChannels after join and leave", sidsOf(p.Items, ucSID), sorted(c1.SID, c3.SID))
}

func ucSID(uc model.UserChannel) string { return uc.Channel.SID }

// sortUC sorts user channel rows in list order.
func sortUC(ucs []model.UserChannel) {
	slices.SortFunc(ucs, func(a, b model.UserChannel) int { return strings.Compare(a.Channel.SID, b.Channel.SID) })
}
