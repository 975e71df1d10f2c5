package core_test

import (
	"context"
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
