package storetest

import (
	"testing"

	"github.com/parleychat/parley/model"
)

func messageIndex(m model.Message) int64 { return m.Index }

// wantLast checks a channel's message counters and last message.
func (e *env) wantLast(ch *model.Channel, count int, next int64, last *model.Message) {
	e.t.Helper()
	c := e.getChannel(ch)
	if c.MessagesCount != count || c.NextIndex != next {
		e.t.Fatalf("channel MessagesCount, NextIndex = %d, %d; want %d, %d", c.MessagesCount, c.NextIndex, count, next)
	}
	if last == nil {
		if c.LastMessageSID != "" {
			e.t.Fatalf("channel LastMessageSID = %q, want none", c.LastMessageSID)
		}
		return
	}
	if c.LastMessageSID != last.SID || c.LastMessageIndex != last.Index || !c.LastMessageDate.Equal(last.DateCreated) {
		e.t.Fatalf("channel last message = %s #%d %v, want %s #%d %v", c.LastMessageSID, c.LastMessageIndex, c.LastMessageDate,
			last.SID, last.Index, last.DateCreated)
	}
}

func testMessages(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch, ch2 := e.channel(s1, "a"), e.channel(s1, "b")
	e.wantLast(ch, 0, 0, nil)

	wantNotFound(t, "CreateMessage in a missing channel", func() error {
		_, _, err := e.s.CreateMessage(e.ctx, e.newMessage(e.newChannel(s1, "x", model.ChannelPublic), "hi"))
		return err
	}())

	var msgs []*model.Message
	for i := range 5 {
		msgs = append(msgs, e.message(ch, "body", int64(i)))
	}
	media := e.newMessage(ch, "")
	media.Type, media.Media = model.MessageMedia, &model.Media{SID: "ME" + "00000000000000000000000000000001", Size: 1234, ContentType: "image/png", Filename: "a.png"}
	stored, created, err := e.s.CreateMessage(e.ctx, media)
	must(t, err)
	if !created || stored.Index != 5 || stored.Media == nil || *stored.Media != *media.Media {
		t.Fatalf("CreateMessage of a media message: created %v, %+v", created, show(stored))
	}
	msgs = append(msgs, stored)
	e.wantLast(ch, 6, 6, stored)
	first := e.message(ch2, "other channel", 0) // indices are per channel
	e.wantLast(ch2, 1, 1, first)

	for _, m := range msgs {
		got, err := e.s.GetMessage(e.ctx, s1.SID, ch.SID, m.SID)
		must(t, err)
		equal(t, "GetMessage", got, m)
		got, err = e.s.GetMessageByIndex(e.ctx, s1.SID, ch.SID, m.Index)
		must(t, err)
		equal(t, "GetMessageByIndex", got, m)
	}
	_, err = e.s.GetMessage(e.ctx, s1.SID, ch2.SID, msgs[0].SID)
	wantNotFound(t, "GetMessage under another channel", err)
	_, err = e.s.GetMessageByIndex(e.ctx, s1.SID, ch.SID, 6)
	wantNotFound(t, "GetMessageByIndex past the end", err)
	_, err = e.s.GetMessageByIndex(e.ctx, s1.SID, ch.SID, -1)
	wantNotFound(t, "GetMessageByIndex of -1", err)
	s2, _ := e.service()
	_, err = e.s.GetMessageByIndex(e.ctx, s2.SID, ch.SID, 0)
	wantNotFound(t, "GetMessageByIndex under another service", err)

	p, err := e.s.ListMessages(e.ctx, s1.SID, ch.SID, all())
	must(t, err)
	equal(t, "ListMessages indices", sidsOf(p.Items, messageIndex), []int64{0, 1, 2, 3, 4, 5})
	equal(t, "ListMessages item", &p.Items[2], msgs[2])
	p, err = e.s.ListMessages(e.ctx, s1.SID, ch.SID, model.PageRequest{Limit: 100, Desc: true})
	must(t, err)
	equal(t, "ListMessages desc indices", sidsOf(p.Items, messageIndex), []int64{5, 4, 3, 2, 1, 0})

	// Update: body and edit marks change; index, channel and client ID do not.
	now := e.tick()
	seqBefore := e.getChannel(ch).Seq
	upd, err := e.s.UpdateMessage(e.ctx, s1.SID, ch.SID, msgs[1].SID, func(m *model.Message) error {
		m.Body, m.Attributes, m.WasEdited, m.LastUpdatedBy, m.DateUpdated = "edited", `{"e":1}`, true, "bob", now
		m.Index, m.ChannelSID, m.ClientMessageID, m.SID = 99, ch2.SID, "cid", "IMxx"
		return nil
	})
	must(t, err)
	want := *msgs[1]
	want.Body, want.Attributes, want.WasEdited, want.LastUpdatedBy, want.DateUpdated = "edited", `{"e":1}`, true, "bob", now
	want.Seq = seqBefore + 1
	equal(t, "UpdateMessage result", upd, &want)
	got, err := e.s.GetMessageByIndex(e.ctx, s1.SID, ch.SID, 1)
	must(t, err)
	equal(t, "GetMessageByIndex after update", got, &want)
	msgs[1] = &want
	_, err = e.s.UpdateMessage(e.ctx, s1.SID, ch2.SID, msgs[1].SID, func(*model.Message) error { return nil })
	wantNotFound(t, "UpdateMessage under another channel", err)
	e.wantLast(ch, 6, 6, msgs[5])

	// Delete the last: the pointer moves back, NextIndex stays.
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[5].SID)))
	e.wantLast(ch, 5, 6, msgs[4])
	_, err = e.s.GetMessage(e.ctx, s1.SID, ch.SID, msgs[5].SID)
	wantNotFound(t, "GetMessage after delete", err)
	_, err = e.s.GetMessageByIndex(e.ctx, s1.SID, ch.SID, 5)
	wantNotFound(t, "GetMessageByIndex after delete", err)
	wantNotFound(t, "DeleteMessage again", errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[5].SID)))
	wantNotFound(t, "DeleteMessage under another channel", errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch2.SID, msgs[4].SID)))

	// Delete in the middle: the last message stays; index 6 is next (5 is
	// never reused).
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[2].SID)))
	e.wantLast(ch, 4, 6, msgs[4])
	m6 := e.message(ch, "after deletes", 6)
	e.wantLast(ch, 5, 7, m6)
	p, err = e.s.ListMessages(e.ctx, s1.SID, ch.SID, all())
	must(t, err)
	equal(t, "ListMessages after deletes", sidsOf(p.Items, messageIndex), []int64{0, 1, 3, 4, 6})

	// Delete the last two: the pointer skips the hole at 5 and 2.
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, m6.SID)))
	e.wantLast(ch, 4, 7, msgs[4])
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[4].SID)))
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[3].SID)))
	e.wantLast(ch, 2, 7, msgs[1])
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[0].SID)))
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[1].SID)))
	e.wantLast(ch, 0, 7, nil)
	e.message(ch, "fresh", 7)
	e.wantLast(ch2, 1, 1, first) // the other channel never moved
}

func testMessageClientID(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch, ch2 := e.channel(s1, "a"), e.channel(s1, "b")
	e.message(ch, "zero", 0)

	m := e.newMessage(ch, "first try")
	m.ClientMessageID = "client-1"
	stored, created, err := e.s.CreateMessage(e.ctx, m)
	must(t, err)
	if !created || stored.Index != 1 || stored.ClientMessageID != "client-1" {
		t.Fatalf("first create with a client ID: created %v, %s", created, show(stored))
	}
	orig := *stored

	retry := e.newMessage(ch, "second try")
	retry.ClientMessageID = "client-1"
	again, created, err := e.s.CreateMessage(e.ctx, retry)
	must(t, err)
	if created {
		t.Fatal("second create with the same client ID: created = true")
	}
	equal(t, "second create returns the original", again, &orig)
	_, err = e.s.GetMessage(e.ctx, s1.SID, ch.SID, retry.SID)
	wantNotFound(t, "GetMessage of the deduplicated retry", err)
	e.wantLast(ch, 2, 2, &orig)

	// Client IDs are per channel.
	other := e.newMessage(ch2, "elsewhere")
	other.ClientMessageID = "client-1"
	s3, created, err := e.s.CreateMessage(e.ctx, other)
	must(t, err)
	if !created || s3.Index != 0 {
		t.Fatalf("same client ID in another channel: created %v, index %d", created, s3.Index)
	}

	// A different client ID is a different message.
	m2 := e.newMessage(ch, "next")
	m2.ClientMessageID = "client-2"
	s2, created, err := e.s.CreateMessage(e.ctx, m2)
	must(t, err)
	if !created || s2.Index != 2 {
		t.Fatalf("create with another client ID: created %v, index %d", created, s2.Index)
	}

	// Updating keeps the client ID; the retry still finds the original.
	_, err = e.s.UpdateMessage(e.ctx, s1.SID, ch.SID, orig.SID, func(m *model.Message) error {
		m.Body = "edited"
		return nil
	})
	must(t, err)
	again, created, err = e.s.CreateMessage(e.ctx, e.withClientID(e.newMessage(ch, "third try"), "client-1"))
	must(t, err)
	if created || again.SID != orig.SID || again.Body != "edited" {
		t.Fatalf("retry after update: created %v, %s", created, show(again))
	}
	e.wantLast(ch, 3, 3, s2)
}

func (e *env) withClientID(m *model.Message, id string) *model.Message {
	m.ClientMessageID = id
	return m
}

func testCountMessagesAfter(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch, empty := e.channel(s1, "a"), e.channel(s1, "b")
	var msgs []*model.Message
	for i := range 10 {
		msgs = append(msgs, e.message(ch, "m", int64(i)))
	}
	count := func(index int64) int {
		t.Helper()
		n, err := e.s.CountMessagesAfter(e.ctx, s1.SID, ch.SID, index)
		must(t, err)
		return n
	}
	for _, tc := range []struct {
		index int64
		want  int
	}{{-1, 10}, {-100, 10}, {0, 9}, {3, 6}, {7, 2}, {8, 1}, {9, 0}, {10, 0}, {1000, 0}} {
		if got := count(tc.index); got != tc.want {
			t.Fatalf("CountMessagesAfter(%d) = %d, want %d", tc.index, got, tc.want)
		}
	}
	for _, i := range []int{1, 4, 5, 9} {
		must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[i].SID)))
	}
	// Present: 0 2 3 6 7 8.
	for _, tc := range []struct {
		index int64
		want  int
	}{{-1, 6}, {0, 5}, {1, 5}, {2, 4}, {4, 3}, {5, 3}, {6, 2}, {8, 0}, {9, 0}} {
		if got := count(tc.index); got != tc.want {
			t.Fatalf("after deletes, CountMessagesAfter(%d) = %d, want %d", tc.index, got, tc.want)
		}
	}
	n, err := e.s.CountMessagesAfter(e.ctx, s1.SID, empty.SID, -1)
	must(t, err)
	if n != 0 {
		t.Fatalf("CountMessagesAfter on an empty channel = %d", n)
	}
}
