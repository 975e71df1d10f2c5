package storetest

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/model"
)

// wantSeq checks that the channel's Seq is want and its Epoch unchanged.
func (e *env) wantSeq(what string, ch *model.Channel, want int64) {
	e.t.Helper()
	c := e.getChannel(ch)
	if c.Seq != want || c.Epoch != ch.Epoch {
		e.t.Fatalf("%s: channel Seq, Epoch = %d, %q; want %d, %q", what, c.Seq, c.Epoch, want, ch.Epoch)
	}
}

// testEventSeq walks one channel through every kind of write and checks the
// seq each one gets, the records the deletes return, and that failed writes,
// idempotent replays, invites and other channels leave the seq alone.
func testEventSeq(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	alice, bob := e.user(s1, "alice"), e.user(s1, "bob")
	ch := e.channel(s1, "seq")
	other := e.channel(s1, "other")
	if ch.Epoch == "" {
		t.Fatal("fixture channel has no epoch")
	}
	e.wantSeq("new channel", ch, 0)

	// A create ignores the Seq the caller sets.
	c2 := e.newChannel(s1, "preset", model.ChannelPublic)
	c2.Seq = 41
	must(t, e.s.CreateChannel(e.ctx, c2))
	c2.Seq = 0
	equal(t, "created channel with a preset Seq", e.getChannel(c2), c2)

	ma := e.newMember(ch, alice)
	ma.Seq = 99
	must(t, e.s.AddMember(e.ctx, ma, model.MemberLimits{}))
	if ma.Seq != 1 {
		t.Fatalf("AddMember: m.Seq = %d, want 1", ma.Seq)
	}
	got, err := e.s.GetMember(e.ctx, s1.SID, ch.SID, ma.SID)
	must(t, err)
	equal(t, "GetMember after add", got, ma)
	e.wantSeq("after AddMember", ch, 1)

	// A refused add (duplicate) does not move the seq.
	wantErr(t, "AddMember twice", e.s.AddMember(e.ctx, e.newMember(ch, alice), model.MemberLimits{}), model.KindConflict, model.CodeMemberExists)
	e.wantSeq("after the refused AddMember", ch, 1)

	msg := e.withClientID(e.newMessage(ch, "hello"), "c1")
	msg.Seq = 1234
	stored, created, err := e.s.CreateMessage(e.ctx, msg)
	must(t, err)
	if !created || stored.Seq != 2 || msg.Seq != 2 || stored.Index != 0 {
		t.Fatalf("CreateMessage: created %v, Seq %d (m.Seq %d), Index %d; want true, 2, 2, 0", created, stored.Seq, msg.Seq, stored.Index)
	}
	gotMsg, err := e.s.GetMessage(e.ctx, s1.SID, ch.SID, msg.SID)
	must(t, err)
	equal(t, "GetMessage after create", gotMsg, stored)
	e.wantSeq("after CreateMessage", ch, 2)

	// An idempotent replay returns the original, Seq included, and writes
	// nothing.
	again, created, err := e.s.CreateMessage(e.ctx, e.withClientID(e.newMessage(ch, "retry"), "c1"))
	must(t, err)
	if created {
		t.Fatal("replay: created = true")
	}
	equal(t, "replayed message", again, stored)
	e.wantSeq("after the replay", ch, 2)

	upd, err := e.s.UpdateMessage(e.ctx, s1.SID, ch.SID, msg.SID, func(m *model.Message) error {
		m.Body, m.Seq = "edited", 500
		return nil
	})
	must(t, err)
	if upd.Seq != 3 {
		t.Fatalf("UpdateMessage: Seq %d, want 3", upd.Seq)
	}
	gotMsg, err = e.s.GetMessage(e.ctx, s1.SID, ch.SID, msg.SID)
	must(t, err)
	equal(t, "GetMessage after update", gotMsg, upd)
	e.wantSeq("after UpdateMessage", ch, 3)
	_, err = e.s.UpdateMessage(e.ctx, s1.SID, ch.SID, msg.SID, func(*model.Message) error { return errAbort })
	wantAbort(t, "aborted UpdateMessage", err)
	e.wantSeq("after the aborted UpdateMessage", ch, 3)

	updM, err := e.s.UpdateMember(e.ctx, s1.SID, ch.SID, ma.SID, func(m *model.Member) error {
		m.LastConsumedMessageIndex, m.Seq = intp(int64(0)), 7
		return nil
	})
	must(t, err)
	if updM.Seq != 4 {
		t.Fatalf("UpdateMember: Seq %d, want 4", updM.Seq)
	}
	e.wantSeq("after UpdateMember", ch, 4)

	updC, err := e.s.UpdateChannel(e.ctx, s1.SID, ch.SID, func(c *model.Channel) error {
		c.FriendlyName, c.Seq, c.Epoch = "renamed", 1, "other epoch"
		return nil
	})
	must(t, err)
	if updC.Seq != 5 || updC.Epoch != ch.Epoch {
		t.Fatalf("UpdateChannel: Seq %d, Epoch %q; want 5, %q", updC.Seq, updC.Epoch, ch.Epoch)
	}
	e.wantSeq("after UpdateChannel", ch, 5)

	// Invites and writes to another channel leave the seq alone.
	in := e.invite(ch, "bob")
	e.message(other, "elsewhere", 0)
	e.wantSeq("after an invite and a message elsewhere", ch, 5)
	e.wantSeq("the other channel", other, 1)

	// Accepting the invite (AddMember) is one event; the invite goes.
	mb := e.member(ch, bob)
	if mb.Seq != 6 {
		t.Fatalf("AddMember of the invitee: Seq %d, want 6", mb.Seq)
	}
	_, err = e.s.GetInvite(e.ctx, s1.SID, ch.SID, in.SID)
	wantNotFound(t, "invite after AddMember", err)

	// Deletes return the record as it was, with the seq of the removal.
	delMsg, err := e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msg.SID)
	must(t, err)
	wantMsg := *upd
	wantMsg.Seq = 7
	equal(t, "DeleteMessage result", delMsg, &wantMsg)
	e.wantSeq("after DeleteMessage", ch, 7)
	_, err = e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msg.SID)
	wantNotFound(t, "DeleteMessage again", err)
	e.wantSeq("after the second DeleteMessage", ch, 7)

	delM, err := e.s.RemoveMember(e.ctx, s1.SID, ch.SID, ma.SID)
	must(t, err)
	wantM := *updM
	wantM.Seq = 8
	equal(t, "RemoveMember result", delM, &wantM)
	e.wantSeq("after RemoveMember", ch, 8)
	_, err = e.s.RemoveMember(e.ctx, s1.SID, ch.SID, ma.SID)
	wantNotFound(t, "RemoveMember again", err)

	// A membership removed with its user is a change too.
	must(t, e.s.DeleteUser(e.ctx, s1.SID, bob.SID))
	e.wantSeq("after DeleteUser of a member", ch, 9)

	before := e.getChannel(ch)
	delC, err := e.s.DeleteChannel(e.ctx, s1.SID, ch.SID)
	must(t, err)
	wantC := *before
	wantC.Seq = 10
	equal(t, "DeleteChannel result", delC, &wantC)
	_, err = e.s.DeleteChannel(e.ctx, s1.SID, ch.SID)
	wantNotFound(t, "DeleteChannel again", err)
}

// testConcurrentEventSeq runs every kind of channel write at once on one
// channel: the seqs they return must be exactly 1..n, each once, and the
// channel must end at n. Messages' seqs must follow their indices.
func testConcurrentEventSeq(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch := e.channel(s1, "busy")
	const workers, each = 16, 12
	users := make([]*model.User, workers)
	for i := range users {
		users[i] = e.user(s1, "u"+strconv.Itoa(i))
	}
	type write struct {
		what  string
		seq   int64
		index int64 // messages created
	}
	var (
		mu     sync.Mutex
		writes []write
	)
	record := func(w write) {
		mu.Lock()
		writes = append(writes, w)
		mu.Unlock()
	}
	errs := parallel(workers, func(i int) error {
		m := &model.Member{ // not newMember: e.tick is not for concurrent use
			SID: model.NewSID(model.PrefixMember), AccountSID: accountSID, ServiceSID: ch.ServiceSID,
			ChannelSID: ch.SID, UserSID: users[i].SID, RoleSID: "RL" + strings.Repeat("0", 32),
			Attributes: `{}`, NotificationLevel: model.NotificationDefault, DateCreated: e.now, DateUpdated: e.now,
		}
		if err := e.s.AddMember(e.ctx, m, model.MemberLimits{}); err != nil {
			return err
		}
		record(write{"add", m.Seq, -1})
		for j := range each {
			switch j % 4 {
			case 0, 1:
				msg, _, err := e.s.CreateMessage(e.ctx, e.newMessageAt(ch, strconv.Itoa(i)+"/"+strconv.Itoa(j)))
				if err != nil {
					return err
				}
				record(write{"create", msg.Seq, msg.Index})
				if j%4 == 1 {
					up, err := e.s.UpdateMessage(e.ctx, s1.SID, ch.SID, msg.SID, func(x *model.Message) error { x.Body = "e"; return nil })
					if err != nil {
						return err
					}
					record(write{"update", up.Seq, -1})
					del, err := e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msg.SID)
					if err != nil {
						return err
					}
					record(write{"delete", del.Seq, -1})
				}
			case 2:
				up, err := e.s.UpdateMember(e.ctx, s1.SID, ch.SID, m.SID, func(x *model.Member) error { x.Attributes = `{"j":1}`; return nil })
				if err != nil {
					return err
				}
				record(write{"member update", up.Seq, -1})
			case 3:
				up, err := e.s.UpdateChannel(e.ctx, s1.SID, ch.SID, func(c *model.Channel) error { c.FriendlyName = "w" + strconv.Itoa(i); return nil })
				if err != nil {
					return err
				}
				record(write{"channel update", up.Seq, -1})
			}
		}
		del, err := e.s.RemoveMember(e.ctx, s1.SID, ch.SID, m.SID)
		if err != nil {
			return err
		}
		record(write{"remove", del.Seq, -1})
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
	}
	seqs := make([]int64, len(writes))
	for i, w := range writes {
		seqs[i] = w.seq
	}
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("seqs of %d concurrent writes: position %d holds %d, want %d (dense, each once)", len(writes), i, s, i+1)
		}
	}
	e.wantSeq("after the concurrent writes", ch, int64(len(writes)))

	// Messages get seqs in index order: both come from one atomic step.
	var created []write
	for _, w := range writes {
		if w.what == "create" {
			created = append(created, w)
		}
	}
	slices.SortFunc(created, func(a, b write) int { return int(a.index - b.index) })
	for i := 1; i < len(created); i++ {
		if created[i].seq <= created[i-1].seq {
			t.Fatalf("message %d has seq %d, message %d has seq %d: seqs out of index order",
				created[i-1].index, created[i-1].seq, created[i].index, created[i].seq)
		}
	}
}
