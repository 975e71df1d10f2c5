package core_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/store/embedded"
)

// channelAuthzEnv is a Core with a service, a channel whose members are
// alice and bob (channel user role), and carol, who is not a member.
type channelAuthzEnv struct {
	core    *core.Core
	service *model.Service
	channel string
}

func newChannelAuthzEnv(t *testing.T) *channelAuthzEnv {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "authz.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cr, err := core.New(core.Config{Store: st, SecretKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := cr.EnsureAccount(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	svc, err := cr.CreateService(ctx, core.API(false), core.ServiceCreate{FriendlyName: "authz"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := cr.CreateChannel(ctx, core.API(false), svc.SID, core.ChannelCreate{UniqueName: "room"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"alice", "bob"} {
		if _, err := cr.CreateMember(ctx, core.API(false), svc.SID, "room", core.MemberCreate{Identity: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cr.CreateUser(ctx, core.API(false), svc.SID, core.UserCreate{Identity: "carol"}); err != nil {
		t.Fatal(err)
	}
	return &channelAuthzEnv{core: cr, service: svc, channel: ch.SID}
}

func channelSDK(identity string) core.Actor {
	return core.Actor{Source: model.SourceSDK, Identity: identity}
}

func channelWantForbidden(t *testing.T, what string, err error) {
	t.Helper()
	if model.KindOf(err) != model.KindForbidden || model.CodeOf(err) != model.CodeNotAuthorized {
		t.Errorf("%s: got %v, want KindForbidden 50107", what, err)
	}
}

func TestChannelAuthorisation(t *testing.T) {
	e := newChannelAuthzEnv(t)
	ctx := context.Background()
	body := func(s string) *string { return &s }
	IS := e.service.SID

	// sendMessage: a member may, a non-member may not; the author is the
	// actor whatever From says.
	m, err := e.core.CreateMessage(ctx, channelSDK("alice"), IS, "room", core.MessageCreate{Body: body("hi"), From: "mallory"})
	if err != nil {
		t.Fatalf("member send: %v", err)
	}
	if m.From != "alice" {
		t.Errorf("from %q, want alice", m.From)
	}
	_, err = e.core.CreateMessage(ctx, channelSDK("carol"), IS, "room", core.MessageCreate{Body: body("hi")})
	channelWantForbidden(t, "non-member send", err)
	_, err = e.core.CreateMessage(ctx, core.Actor{Source: model.SourceSDK}, IS, "room", core.MessageCreate{Body: body("hi")})
	channelWantForbidden(t, "anonymous send", err)
	// The REST API is never checked.
	if _, err := e.core.CreateMessage(ctx, core.API(false), IS, "room", core.MessageCreate{Body: body("sys")}); err != nil {
		t.Errorf("REST send: %v", err)
	}

	// editOwnMessage: alice may edit her message, bob (channel user,
	// without editAnyMessage) may not.
	ed, err := e.core.UpdateMessage(ctx, channelSDK("alice"), IS, "room", m.SID, core.MessageUpdate{Body: body("edited")})
	if err != nil {
		t.Fatalf("own edit: %v", err)
	}
	if !ed.WasEdited || ed.LastUpdatedBy != "alice" || ed.Body != "edited" {
		t.Errorf("own edit: %+v", ed)
	}
	_, err = e.core.UpdateMessage(ctx, channelSDK("bob"), IS, "room", m.SID, core.MessageUpdate{Body: body("hijack")})
	channelWantForbidden(t, "edit of another's message by a channel user", err)
	got, _ := e.core.GetMessage(ctx, core.API(false), IS, "room", m.SID)
	if got.Body != "edited" {
		t.Errorf("denied edit changed the body to %q", got.Body)
	}

	// editAnyMessage: promote bob to channel admin and he may.
	admin := e.service.DefaultChannelCreatorRoleSID
	if _, err := e.core.UpdateMember(ctx, core.API(false), IS, "room", "bob", core.MemberUpdate{RoleSID: &admin}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.core.UpdateMessage(ctx, channelSDK("bob"), IS, "room", m.SID, core.MessageUpdate{Body: body("moderated")}); err != nil {
		t.Errorf("edit by channel admin: %v", err)
	}

	// The service role counts too (union): carol is not a member, but with
	// the service admin role she may delete any message.
	err = e.core.DeleteMessage(ctx, channelSDK("carol"), IS, "room", m.SID)
	channelWantForbidden(t, "delete by a non-member service user", err)
	roles, _, err := e.core.ListRoles(ctx, core.API(false), IS, core.PageParams{})
	if err != nil {
		t.Fatal(err)
	}
	var svcAdmin string
	for _, r := range roles {
		if r.FriendlyName == model.RoleNameServiceAdmin {
			svcAdmin = r.SID
		}
	}
	if _, err := e.core.UpdateUser(ctx, core.API(false), IS, "carol", core.UserUpdate{RoleSID: &svcAdmin}); err != nil {
		t.Fatal(err)
	}
	if err := e.core.DeleteMessage(ctx, channelSDK("carol"), IS, "room", m.SID); err != nil {
		t.Errorf("delete by service admin: %v", err)
	}
	// Still no sendMessage for her: it is a channel permission.
	_, err = e.core.CreateMessage(ctx, channelSDK("carol"), IS, "room", core.MessageCreate{Body: body("hi")})
	channelWantForbidden(t, "service admin non-member send", err)

	// Channel webhooks are REST-only.
	_, err = e.core.CreateWebhook(ctx, channelSDK("bob"), IS, "room", core.WebhookCreate{Type: "studio"})
	channelWantForbidden(t, "SDK webhook create", err)
}

func TestChannelEvents(t *testing.T) {
	st, err := embedded.Open(filepath.Join(t.TempDir(), "events.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var got []model.EventType
	sink := model.EventSinkFunc(func(_ context.Context, ev model.Event) {
		if ev.ChannelSID != "" {
			got = append(got, ev.Type)
		}
	})
	cr, err := core.New(core.Config{Store: st, SecretKey: make([]byte, 32), Events: sink})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	api := core.API(false)
	if _, _, err := cr.EnsureAccount(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	svc, err := cr.CreateService(ctx, api, core.ServiceCreate{FriendlyName: "events"})
	if err != nil {
		t.Fatal(err)
	}
	name := "n"
	body := "b"
	step := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = cr.CreateChannel(ctx, api, svc.SID, core.ChannelCreate{UniqueName: "room"})
	step(err)
	_, err = cr.UpdateChannel(ctx, api, svc.SID, "room", core.ChannelUpdate{FriendlyName: &name})
	step(err)
	_, err = cr.CreateMember(ctx, api, svc.SID, "room", core.MemberCreate{Identity: "alice"})
	step(err)
	_, err = cr.UpdateMember(ctx, api, svc.SID, "room", "alice", core.MemberUpdate{Attributes: &name})
	if model.CodeOf(err) != 50304 {
		t.Fatalf("invalid attributes: %v", err)
	}
	_, err = cr.UpdateMember(ctx, api, svc.SID, "room", "alice", core.MemberUpdate{RoleSID: &svc.DefaultChannelRoleSID})
	step(err)
	m, err := cr.CreateMessage(ctx, api, svc.SID, "room", core.MessageCreate{Body: &body, ClientMessageID: "c1"})
	step(err)
	again, err := cr.CreateMessage(ctx, api, svc.SID, "room", core.MessageCreate{Body: &body, ClientMessageID: "c1"})
	step(err)
	if again.SID != m.SID || again.Index != m.Index {
		t.Errorf("retried send: %s/%d, want %s/%d", again.SID, again.Index, m.SID, m.Index)
	}
	_, err = cr.UpdateMessage(ctx, api, svc.SID, "room", m.SID, core.MessageUpdate{Body: &name})
	step(err)
	step(cr.DeleteMessage(ctx, api, svc.SID, "room", m.SID))
	_, err = cr.CreateUser(ctx, api, svc.SID, core.UserCreate{Identity: "bob"})
	step(err)
	inv, err := cr.CreateInvite(ctx, api, svc.SID, "room", core.InviteCreate{Identity: "bob"})
	step(err)
	step(cr.DeleteInvite(ctx, api, svc.SID, "room", inv.SID))
	step(cr.DeleteMember(ctx, api, svc.SID, "room", "alice"))
	step(cr.DeleteChannel(ctx, api, svc.SID, "room"))
	want := []model.EventType{model.EventChannelAdded, model.EventChannelUpdated, model.EventMemberJoined,
		model.EventMemberUpdated, model.EventMessageAdded, model.EventMessageUpdated, model.EventMessageRemoved,
		model.EventChannelInvited, model.EventInviteRemoved, model.EventMemberLeft, model.EventChannelRemoved}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
}
