package storetest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/parleychat/parley/model"
)

// parallel runs fn(i) for i in [0, n) on n goroutines, all released at once,
// and returns their errors by i.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func testConcurrentMessages(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch := e.channel(s1, "busy")
	missing := e.newChannel(s1, "missing", model.ChannelPublic)
	const senders, each = 32, 50
	const failers = 8 // writers that fail, interleaved with the senders
	got := make([][]*model.Message, senders)
	errs := parallel(senders+failers, func(i int) error {
		if i >= senders {
			for range each / 5 {
				if _, _, err := e.s.CreateMessage(e.ctx, e.newMessageAt(missing, "lost")); model.KindOf(err) != model.KindNotFound {
					t.Errorf("CreateMessage in a missing channel: %v", err)
				}
				_, err := e.s.UpdateChannel(e.ctx, s1.SID, ch.SID, func(c *model.Channel) error {
					c.FriendlyName = "never"
					return errAbort
				})
				if !errors.Is(err, errAbort) {
					t.Errorf("aborted UpdateChannel: %v", err)
				}
			}
			return nil
		}
		for j := range each {
			m, created, err := e.s.CreateMessage(e.ctx, e.newMessageAt(ch, strconv.Itoa(i)+"/"+strconv.Itoa(j)))
			if err != nil {
				return err
			}
			if !created {
				t.Errorf("CreateMessage: created = false")
			}
			got[i] = append(got[i], m)
		}
		return nil
	})
	for _, err := range errs {
		must(t, err)
	}
	bySID := map[string]int64{}
	seen := make([]bool, senders*each)
	for i := range got {
		last := int64(-1)
		for _, m := range got[i] {
			if m.Index < 0 || m.Index >= senders*each || seen[m.Index] {
				t.Fatalf("index %d out of range or given twice", m.Index)
			}
			if m.Index <= last {
				t.Fatalf("sender %d got index %d after %d", i, m.Index, last)
			}
			seen[m.Index], last = true, m.Index
			bySID[m.SID] = m.Index
		}
	}
	c := e.getChannel(ch)
	if c.MessagesCount != senders*each || c.NextIndex != senders*each || c.LastMessageIndex != senders*each-1 {
		t.Fatalf("channel after %d concurrent creates: MessagesCount %d, NextIndex %d, LastMessageIndex %d",
			senders*each, c.MessagesCount, c.NextIndex, c.LastMessageIndex)
	}
	if c.FriendlyName == "never" {
		t.Fatal("an aborted update was applied")
	}
	p, err := e.s.ListMessages(e.ctx, s1.SID, ch.SID, model.PageRequest{Limit: senders*each + 10})
	must(t, err)
	if len(p.Items) != senders*each {
		t.Fatalf("ListMessages: %d messages, want %d", len(p.Items), senders*each)
	}
	for i, m := range p.Items {
		if m.Index != int64(i) || bySID[m.SID] != m.Index {
			t.Fatalf("ListMessages item %d: index %d, SID %s (created with index %d)", i, m.Index, m.SID, bySID[m.SID])
		}
	}
	if c.LastMessageSID != p.Items[len(p.Items)-1].SID {
		t.Fatalf("LastMessageSID %s, want %s", c.LastMessageSID, p.Items[len(p.Items)-1].SID)
	}
}

// newMessageAt is newMessage without the shared clock, for goroutines.
func (e *env) newMessageAt(ch *model.Channel, body string) *model.Message {
	return &model.Message{
		SID: model.NewSID(model.PrefixMessage), AccountSID: accountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, From: "alice", Body: body, Attributes: `{}`, Type: model.MessageText,
		DateCreated: e.now, DateUpdated: e.now,
	}
}

func testConcurrentMembers(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch := e.channel(s1, "small")
	const limit, users = 5, 20
	var us []*model.User
	var ms []*model.Member
	for i := range users {
		u := e.user(s1, "u"+strconv.Itoa(i))
		us = append(us, u)
		ms = append(ms, e.newMember(ch, u))
	}
	errs := parallel(users, func(i int) error {
		return e.s.AddMember(e.ctx, ms[i], model.MemberLimits{ChannelMembers: limit})
	})
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if model.CodeOf(err) != model.CodeMembersLimit {
			t.Fatalf("concurrent AddMember: %v, want nil or code %d", err, model.CodeMembersLimit)
		}
	}
	if ok != limit {
		t.Fatalf("concurrent AddMember with a limit of %d: %d succeeded", limit, ok)
	}
	e.counts(ch, limit, nil)
	p, err := e.s.ListMembers(e.ctx, s1.SID, ch.SID, nil, all())
	must(t, err)
	if len(p.Items) != limit {
		t.Fatalf("ListMembers: %d members, want %d", len(p.Items), limit)
	}
	joined := 0
	for _, u := range us {
		joined += e.getUser(u).JoinedChannelsCount
	}
	if joined != limit {
		t.Fatalf("sum of JoinedChannelsCount = %d, want %d", joined, limit)
	}

	// One user joining many channels at once, with a user limit.
	const userLimit, channels = 3, 10
	solo := e.user(s1, "solo")
	var chs []*model.Channel
	for i := range channels {
		chs = append(chs, e.channel(s1, "c"+strconv.Itoa(i)))
	}
	errs = parallel(channels, func(i int) error {
		return e.s.AddMember(e.ctx, e.newMemberAt(chs[i], solo), model.MemberLimits{UserChannels: userLimit})
	})
	ok = 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if model.CodeOf(err) != model.CodeUserChannelsLimit {
			t.Fatalf("concurrent AddMember of one user: %v, want nil or code %d", err, model.CodeUserChannelsLimit)
		}
	}
	if ok != userLimit || e.getUser(solo).JoinedChannelsCount != userLimit {
		t.Fatalf("one user joining %d channels with a limit of %d: %d succeeded, JoinedChannelsCount %d",
			channels, userLimit, ok, e.getUser(solo).JoinedChannelsCount)
	}
	up, err := e.s.ListUserChannels(e.ctx, s1.SID, solo.SID, all())
	must(t, err)
	if len(up.Items) != userLimit {
		t.Fatalf("ListUserChannels: %d rows, want %d", len(up.Items), userLimit)
	}
}

// newMemberAt is newMember without the shared clock, for goroutines.
func (e *env) newMemberAt(ch *model.Channel, u *model.User) *model.Member {
	return &model.Member{
		SID: model.NewSID(model.PrefixMember), AccountSID: accountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, UserSID: u.SID, Identity: u.Identity, Attributes: `{}`,
		NotificationLevel: model.NotificationDefault, DateCreated: e.now, DateUpdated: e.now,
	}
}

func testConcurrentUsers(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	const n = 16
	var us []*model.User
	for range n {
		us = append(us, e.newUser(s1, "same"))
	}
	errs := parallel(n, func(i int) error { return e.s.CreateUser(e.ctx, us[i]) })
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("two concurrent CreateUser with one identity succeeded")
		case err == nil:
			winner = i
		case model.CodeOf(err) != model.CodeUserExists:
			t.Fatalf("concurrent CreateUser: %v, want code %d", err, model.CodeUserExists)
		}
	}
	if winner < 0 {
		t.Fatal("no concurrent CreateUser succeeded")
	}
	got, err := e.s.GetUserByIdentity(e.ctx, s1.SID, "same")
	must(t, err)
	equal(t, "the winning user", got, us[winner])
	p, err := e.s.ListUsers(e.ctx, s1.SID, all())
	must(t, err)
	equal(t, "ListUsers after the race", p.Items, []model.User{*us[winner]})
}

func testCancelledContext(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch := e.channel(s1, "a")
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	u := e.newUser(s1, "late")
	if err := e.s.CreateUser(ctx, u); err == nil {
		t.Fatal("CreateUser with a cancelled context: no error")
	}
	_, err := e.s.GetUser(e.ctx, s1.SID, u.SID)
	wantNotFound(t, "user created with a cancelled context", err)
	if _, _, err := e.s.CreateMessage(ctx, e.newMessage(ch, "late")); err == nil {
		t.Fatal("CreateMessage with a cancelled context: no error")
	}
	e.wantLast(ch, 0, 0, nil)
	e.message(ch, "on time", 0)
}

func testReopen(t *testing.T, h Harness) {
	if h.Reopen == nil {
		t.Skip("the backend cannot reopen a store")
	}
	e := newEnv(t, h)
	now := e.tick()
	acct := &model.Account{SID: accountSID, FriendlyName: "parley", AuthToken: []byte("sealed"), DateCreated: now, DateUpdated: now}
	must(t, e.s.PutAccount(e.ctx, acct))
	key := &model.APIKey{SID: model.NewSID(model.PrefixKey), AccountSID: accountSID, Secret: []byte("s"), DateCreated: now, DateUpdated: now}
	must(t, e.s.CreateKey(e.ctx, key))
	s1, roles := e.service()
	alice := e.user(s1, "alice")
	ch := e.channel(s1, "general")
	m := e.member(ch, alice)
	in := e.invite(ch, "bob")
	var msgs []*model.Message
	for i := range 5 {
		msg := e.withClientID(e.newMessage(ch, "m"), "cid-"+strconv.Itoa(i))
		stored, _, err := e.s.CreateMessage(e.ctx, msg)
		must(t, err)
		msgs = append(msgs, stored)
	}
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[4].SID)))
	before := e.getChannel(ch)

	e.s = h.Reopen(t, e.s)

	gotAcct, err := e.s.GetAccount(e.ctx)
	must(t, err)
	equal(t, "account after reopen", gotAcct, acct)
	gotKey, err := e.s.GetKey(e.ctx, key.SID)
	must(t, err)
	equal(t, "key after reopen", gotKey, key)
	gotSvc, err := e.s.GetService(e.ctx, s1.SID)
	must(t, err)
	equal(t, "service after reopen", gotSvc, s1)
	gotRole, err := e.s.GetRole(e.ctx, s1.SID, roles[2].SID)
	must(t, err)
	equal(t, "role after reopen", gotRole, &roles[2])
	gotUser, err := e.s.GetUserByIdentity(e.ctx, s1.SID, "alice")
	must(t, err)
	alice.JoinedChannelsCount = 1
	equal(t, "user after reopen", gotUser, alice)
	gotCh, err := e.s.GetChannelByUniqueName(e.ctx, s1.SID, "general")
	must(t, err)
	equal(t, "channel after reopen", gotCh, before)
	gotM, err := e.s.GetMemberByIdentity(e.ctx, s1.SID, ch.SID, "alice")
	must(t, err)
	equal(t, "member after reopen", gotM, m)
	gotIn, err := e.s.GetInvite(e.ctx, s1.SID, ch.SID, in.SID)
	must(t, err)
	equal(t, "invite after reopen", gotIn, in)
	p, err := e.s.ListMessages(e.ctx, s1.SID, ch.SID, all())
	must(t, err)
	equal(t, "messages after reopen", p.Items, []model.Message{*msgs[0], *msgs[1], *msgs[2], *msgs[3]})

	// Indices go on from NextIndex; client IDs are still known.
	dup, created, err := e.s.CreateMessage(e.ctx, e.withClientID(e.newMessage(ch, "retry"), "cid-2"))
	must(t, err)
	if created || dup.SID != msgs[2].SID {
		t.Fatalf("client ID after reopen: created %v, SID %s, want %s", created, dup.SID, msgs[2].SID)
	}
	next := e.message(ch, "after reopen", 5)
	e.wantLast(ch, 5, 6, next)
	// The event sequence goes on from where it was, in the same epoch
	// (one member, five messages, one delete before the reopen).
	if before.Seq != 7 || before.Epoch == "" || before.Epoch != ch.Epoch {
		t.Fatalf("channel before reopen: Seq %d, Epoch %q; want 7, %q", before.Seq, before.Epoch, ch.Epoch)
	}
	if next.Seq != before.Seq+1 {
		t.Fatalf("first message after reopen: Seq %d, want %d", next.Seq, before.Seq+1)
	}
	e.wantSeq("after reopen", ch, before.Seq+1)

	e.s = h.Reopen(t, e.s)
	got, err := e.s.GetMessageByIndex(e.ctx, s1.SID, ch.SID, 5)
	must(t, err)
	equal(t, "message written after the first reopen", got, next)
	e.wantLast(ch, 5, 6, next)
}
