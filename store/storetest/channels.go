package storetest

import (
	"testing"
	"time"

	"github.com/parleychat/parley/model"
)

func channelSID(c model.Channel) string { return c.SID }

func testChannels(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	s2, _ := e.service()
	general := e.channel(s1, "general")
	got := e.getChannel(general)
	equal(t, "GetChannel", got, general)
	got, err := e.s.GetChannelByUniqueName(e.ctx, s1.SID, "general")
	must(t, err)
	equal(t, "GetChannelByUniqueName", got, general)
	_, err = e.s.GetChannel(e.ctx, s2.SID, general.SID)
	wantNotFound(t, "GetChannel under another service", err)
	_, err = e.s.GetChannelByUniqueName(e.ctx, s2.SID, "general")
	wantNotFound(t, "GetChannelByUniqueName under another service", err)
	_, err = e.s.GetChannelByUniqueName(e.ctx, s1.SID, "General")
	wantNotFound(t, "GetChannelByUniqueName with another case", err)

	// Unique names are unique within a service.
	dup := e.newChannel(s1, "general", model.ChannelPrivate)
	wantErr(t, "CreateChannel with a taken unique name", e.s.CreateChannel(e.ctx, dup), model.KindConflict, model.CodeUniqueNameExists)
	_, err = e.s.GetChannel(e.ctx, s1.SID, dup.SID)
	wantNotFound(t, "GetChannel of the refused duplicate", err)
	other := e.channel(s2, "general") // another service: fine
	got, err = e.s.GetChannelByUniqueName(e.ctx, s2.SID, "general")
	must(t, err)
	equal(t, "GetChannelByUniqueName in the second service", got, other)

	// Channels without a unique name do not collide.
	priv := e.newChannel(s1, "", model.ChannelPrivate)
	must(t, e.s.CreateChannel(e.ctx, priv))
	anon := e.channel(s1, "")
	random := e.channel(s1, "random")

	p, err := e.s.ListChannels(e.ctx, s1.SID, nil, all())
	must(t, err)
	equal(t, "ListChannels", sidsOf(p.Items, channelSID), sorted(general.SID, priv.SID, anon.SID, random.SID))
	p, err = e.s.ListChannels(e.ctx, s1.SID, []model.ChannelType{model.ChannelPrivate}, all())
	must(t, err)
	equal(t, "ListChannels private", sidsOf(p.Items, channelSID), []string{priv.SID})
	equal(t, "ListChannels private item", &p.Items[0], priv)
	p, err = e.s.ListChannels(e.ctx, s1.SID, []model.ChannelType{model.ChannelPublic}, all())
	must(t, err)
	equal(t, "ListChannels public", sidsOf(p.Items, channelSID), sorted(general.SID, anon.SID, random.SID))
	p, err = e.s.ListChannels(e.ctx, s1.SID, []model.ChannelType{model.ChannelPublic, model.ChannelPrivate}, all())
	must(t, err)
	equal(t, "ListChannels both types", sidsOf(p.Items, channelSID), sorted(general.SID, priv.SID, anon.SID, random.SID))

	// Update to a taken unique name: conflict, nothing changes.
	_, err = e.s.UpdateChannel(e.ctx, s1.SID, random.SID, func(c *model.Channel) error {
		c.UniqueName, c.FriendlyName = "general", "hijack"
		return nil
	})
	wantErr(t, "UpdateChannel to a taken unique name", err, model.KindConflict, model.CodeUniqueNameExists)
	equal(t, "channel after the refused rename", e.getChannel(random), random)

	// Rename: the old name is free, the new one found.
	upd, err := e.s.UpdateChannel(e.ctx, s1.SID, general.SID, func(c *model.Channel) error {
		c.UniqueName, c.FriendlyName, c.Attributes, c.Type = "lobby", "Lobby", `{"a":1}`, model.ChannelPrivate
		c.CreatedBy, c.DateUpdated = "bob", e.tick()
		return nil
	})
	must(t, err)
	want := *general
	want.UniqueName, want.FriendlyName, want.Attributes, want.Type = "lobby", "Lobby", `{"a":1}`, model.ChannelPrivate
	want.CreatedBy, want.DateUpdated = "bob", upd.DateUpdated
	want.Seq = general.Seq + 1 // an update is a channel event
	equal(t, "UpdateChannel result", upd, &want)
	_, err = e.s.GetChannelByUniqueName(e.ctx, s1.SID, "general")
	wantNotFound(t, "GetChannelByUniqueName of the old name", err)
	got, err = e.s.GetChannelByUniqueName(e.ctx, s1.SID, "lobby")
	must(t, err)
	equal(t, "GetChannelByUniqueName of the new name", got, &want)
	reuse := e.channel(s1, "general")
	got, err = e.s.GetChannelByUniqueName(e.ctx, s1.SID, "general")
	must(t, err)
	equal(t, "GetChannelByUniqueName of the re-used name", got, reuse)
	// Keeping the same unique name is no conflict with itself.
	_, err = e.s.UpdateChannel(e.ctx, s1.SID, reuse.SID, func(c *model.Channel) error { c.FriendlyName = "same"; return nil })
	must(t, err)

	// Clearing the unique name frees it.
	_, err = e.s.UpdateChannel(e.ctx, s1.SID, general.SID, func(c *model.Channel) error { c.UniqueName = ""; return nil })
	must(t, err)
	_, err = e.s.GetChannelByUniqueName(e.ctx, s1.SID, "lobby")
	wantNotFound(t, "GetChannelByUniqueName after clearing", err)
	lobby := e.channel(s1, "lobby")
	got, err = e.s.GetChannelByUniqueName(e.ctx, s1.SID, "lobby")
	must(t, err)
	equal(t, "GetChannelByUniqueName of the freed name", got, lobby)

	_, err = e.s.UpdateChannel(e.ctx, s2.SID, random.SID, func(*model.Channel) error { return nil })
	wantNotFound(t, "UpdateChannel under another service", err)

	// Counters, the message index and the last message belong to the store.
	e.message(random, "one", 0)
	last := e.message(random, "two", 1)
	before := e.getChannel(random)
	upd, err = e.s.UpdateChannel(e.ctx, s1.SID, random.SID, func(c *model.Channel) error {
		c.MembersCount, c.MessagesCount, c.NextIndex = 99, 99, 99
		c.LastMessageSID, c.LastMessageIndex, c.LastMessageDate = "IMxx", 98, time.Unix(0, 0)
		c.SID, c.ServiceSID, c.AccountSID = "CHxx", s2.SID, "ACxx"
		c.Seq, c.Epoch = 77, "changed"
		c.FriendlyName = "Random"
		return nil
	})
	must(t, err)
	want = *before
	want.FriendlyName = "Random"
	want.Seq = before.Seq + 1 // the store's, advanced by one whatever fn set
	equal(t, "UpdateChannel keeps counters", upd, &want)
	if upd.NextIndex != 2 || upd.MessagesCount != 2 || upd.LastMessageSID != last.SID || upd.LastMessageIndex != 1 {
		t.Fatalf("channel after two messages: %+v", upd)
	}

	wantNotFound(t, "DeleteChannel under another service", errOf(e.s.DeleteChannel(e.ctx, s2.SID, random.SID)))
	must(t, errOf(e.s.DeleteChannel(e.ctx, s1.SID, random.SID)))
	_, err = e.s.GetChannel(e.ctx, s1.SID, random.SID)
	wantNotFound(t, "GetChannel after delete", err)
	_, err = e.s.GetChannelByUniqueName(e.ctx, s1.SID, "random")
	wantNotFound(t, "GetChannelByUniqueName after delete", err)
	wantNotFound(t, "DeleteChannel again", errOf(e.s.DeleteChannel(e.ctx, s1.SID, random.SID)))
	e.channel(s1, "random") // the name is free
}

func inviteSID(in model.Invite) string { return in.SID }

func testInvites(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch, ch2 := e.channel(s1, "a"), e.channel(s1, "b")

	missing := e.newChannel(s1, "missing", model.ChannelPublic)
	wantNotFound(t, "CreateInvite in a missing channel", e.s.CreateInvite(e.ctx, e.newInvite(missing, "alice")))

	alice, bob := e.invite(ch, "alice"), e.invite(ch, "bob")
	got, err := e.s.GetInvite(e.ctx, s1.SID, ch.SID, alice.SID)
	must(t, err)
	equal(t, "GetInvite", got, alice)
	_, err = e.s.GetInvite(e.ctx, s1.SID, ch2.SID, alice.SID)
	wantNotFound(t, "GetInvite under another channel", err)

	wantErr(t, "CreateInvite for an identity already invited", e.s.CreateInvite(e.ctx, e.newInvite(ch, "alice")),
		model.KindConflict, model.CodeUserInvited)
	alice2 := e.invite(ch2, "alice") // another channel: fine

	p, err := e.s.ListInvites(e.ctx, s1.SID, ch.SID, nil, all())
	must(t, err)
	equal(t, "ListInvites", sidsOf(p.Items, inviteSID), sorted(alice.SID, bob.SID))
	p, err = e.s.ListInvites(e.ctx, s1.SID, ch.SID, []string{"bob", "carol"}, all())
	must(t, err)
	equal(t, "ListInvites by identity", p.Items, []model.Invite{*bob})
	p, err = e.s.ListInvites(e.ctx, s1.SID, ch2.SID, nil, all())
	must(t, err)
	equal(t, "ListInvites of the second channel", p.Items, []model.Invite{*alice2})

	wantNotFound(t, "DeleteInvite under another channel", e.s.DeleteInvite(e.ctx, s1.SID, ch2.SID, alice.SID))
	must(t, e.s.DeleteInvite(e.ctx, s1.SID, ch.SID, alice.SID))
	_, err = e.s.GetInvite(e.ctx, s1.SID, ch.SID, alice.SID)
	wantNotFound(t, "GetInvite after delete", err)
	wantNotFound(t, "DeleteInvite again", e.s.DeleteInvite(e.ctx, s1.SID, ch.SID, alice.SID))
	again := e.invite(ch, "alice") // no longer pending: may be invited again
	p, err = e.s.ListInvites(e.ctx, s1.SID, ch.SID, []string{"alice"}, all())
	must(t, err)
	equal(t, "ListInvites after re-invite", p.Items, []model.Invite{*again})
}

func webhookSID(w model.Webhook) string { return w.SID }

func testWebhooks(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch, ch2 := e.channel(s1, "a"), e.channel(s1, "b")
	missing := e.newChannel(s1, "missing", model.ChannelPublic)
	wantNotFound(t, "CreateWebhook in a missing channel", e.s.CreateWebhook(e.ctx, e.newWebhook(missing), 0))

	w1, w2 := e.newWebhook(ch), e.newWebhook(ch)
	w2.Type, w2.FlowSID, w2.URL = model.WebhookTypeStudio, "FW"+"00000000000000000000000000000001", ""
	must(t, e.s.CreateWebhook(e.ctx, w1, 2))
	must(t, e.s.CreateWebhook(e.ctx, w2, 2))
	wantErr(t, "CreateWebhook over the limit", e.s.CreateWebhook(e.ctx, e.newWebhook(ch), 2), model.KindForbidden, model.CodeWebhooksLimit)
	w3 := e.newWebhook(ch2) // the limit counts per channel
	must(t, e.s.CreateWebhook(e.ctx, w3, 1))
	w4 := e.newWebhook(ch) // max 0: no limit
	must(t, e.s.CreateWebhook(e.ctx, w4, 0))

	got, err := e.s.GetWebhook(e.ctx, s1.SID, ch.SID, w2.SID)
	must(t, err)
	equal(t, "GetWebhook", got, w2)
	_, err = e.s.GetWebhook(e.ctx, s1.SID, ch2.SID, w2.SID)
	wantNotFound(t, "GetWebhook under another channel", err)
	p, err := e.s.ListWebhooks(e.ctx, s1.SID, ch.SID, all())
	must(t, err)
	equal(t, "ListWebhooks", sidsOf(p.Items, webhookSID), sorted(w1.SID, w2.SID, w4.SID))
	p, err = e.s.ListWebhooks(e.ctx, s1.SID, ch2.SID, all())
	must(t, err)
	equal(t, "ListWebhooks of the second channel", p.Items, []model.Webhook{*w3})

	upd, err := e.s.UpdateWebhook(e.ctx, s1.SID, ch.SID, w1.SID, func(w *model.Webhook) error {
		w.URL, w.Method, w.Filters, w.Triggers, w.RetryCount = "https://example.com/new", "GET", nil, []string{"keyword"}, 3
		w.Type, w.SID, w.ChannelSID = model.WebhookTypeTrigger, "WHxx", ch2.SID
		return nil
	})
	must(t, err)
	want := *w1
	want.URL, want.Method, want.Filters, want.Triggers, want.RetryCount = "https://example.com/new", "GET", nil, []string{"keyword"}, 3
	equal(t, "UpdateWebhook keeps type and parents", upd, &want)
	got, err = e.s.GetWebhook(e.ctx, s1.SID, ch.SID, w1.SID)
	must(t, err)
	equal(t, "GetWebhook after update", got, &want)

	must(t, e.s.DeleteWebhook(e.ctx, s1.SID, ch.SID, w1.SID))
	_, err = e.s.GetWebhook(e.ctx, s1.SID, ch.SID, w1.SID)
	wantNotFound(t, "GetWebhook after delete", err)
	wantNotFound(t, "DeleteWebhook again", e.s.DeleteWebhook(e.ctx, s1.SID, ch.SID, w1.SID))
	w5 := e.newWebhook(ch2)
	wantErr(t, "CreateWebhook on a full channel", e.s.CreateWebhook(e.ctx, w5, 1), model.KindForbidden, model.CodeWebhooksLimit)
	must(t, e.s.CreateWebhook(e.ctx, w5, 2))
}
