package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/hooks"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/store/embedded"
	"github.com/parleychat/parley/wire"
)

// rpcEnv is a real core on the embedded store with one service and the RPC
// layer over it.
type rpcEnv struct {
	t    *testing.T
	core *core.Core
	svc  *model.Service
	rpc  *hooks.RPC
	// roles by friendly name
	roles map[string]string
	// api checks every request that succeeds and every reply against
	// docs/asyncapi.yaml.
	api *asyncAPI
}

func newRPCEnv(t *testing.T) *rpcEnv {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "rpc.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := []byte("0123456789abcdef0123456789abcdef")
	cr, err := core.New(core.Config{Store: st, SecretKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := cr.EnsureAccount(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	svc, err := cr.CreateService(ctx, core.API(false), core.ServiceCreate{FriendlyName: "rpc"})
	if err != nil {
		t.Fatal(err)
	}
	roles, _, err := cr.ListRoles(ctx, core.API(false), svc.SID, core.PageParams{})
	if err != nil {
		t.Fatal(err)
	}
	e := &rpcEnv{t: t, core: cr, svc: svc, rpc: &hooks.RPC{Core: cr, Timeout: 5 * time.Second},
		roles: map[string]string{}, api: loadAsyncAPI(t)}
	for _, r := range roles {
		e.roles[r.FriendlyName] = r.SID
	}
	return e
}

// session returns the session of identity, creating its user with the
// service's default role (or the named service role) through the REST path.
func (e *rpcEnv) session(identity string, role ...string) *hooks.Session {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.core.GetUser(ctx, core.API(false), e.svc.SID, identity)
	if model.KindOf(err) == model.KindNotFound {
		in := core.UserCreate{Identity: identity}
		if len(role) > 0 {
			in.RoleSID = e.roles[role[0]]
		}
		u, err = e.core.CreateUser(ctx, core.API(false), e.svc.SID, in)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return &hooks.Session{Identity: identity, ServiceSID: e.svc.SID, UserSID: u.SID,
		Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// raw runs a command with a raw payload and decodes the reply.
func (e *rpcEnv) raw(s *hooks.Session, command, payload string) (wire.Reply, string, string) {
	e.t.Helper()
	b, replyTo, id := e.rpc.Handle(context.Background(), s, command, []byte(payload))
	var r wire.Reply
	if err := json.Unmarshal(b, &r); err != nil {
		e.t.Fatalf("%s: reply is not JSON: %v: %s", command, err, b)
	}
	if r.OK != (r.Error == nil) || r.OK != (r.Result != nil) {
		e.t.Fatalf("%s: inconsistent reply %s", command, b)
	}
	if r.ID != id {
		e.t.Fatalf("%s: reply id %q, Handle returned %q", command, r.ID, id)
	}
	if slices.Contains(hooks.Commands(), command) {
		e.api.validate(e.t, "/components/messages/"+command+"Reply/payload", b)
		if r.OK {
			req := strings.TrimSpace(payload)
			if req == "" {
				req = "{}"
			}
			e.api.validate(e.t, "/components/messages/"+command+"Request/payload", []byte(req))
		}
	} else {
		e.api.validate(e.t, "/components/schemas/ErrorReply", b)
	}
	return r, replyTo, id
}

// call runs a command with args encoded as JSON.
func (e *rpcEnv) call(s *hooks.Session, command string, args map[string]any) wire.Reply {
	e.t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	b, err := json.Marshal(args)
	if err != nil {
		e.t.Fatal(err)
	}
	r, _, _ := e.raw(s, command, string(b))
	return r
}

// ok runs a command that must succeed and decodes its result into T.
func ok[T any](e *rpcEnv, s *hooks.Session, command string, args map[string]any) T {
	e.t.Helper()
	r := e.call(s, command, args)
	var out T
	if !r.OK {
		e.t.Fatalf("%s %v as %s: error %+v", command, args, s.Identity, *r.Error)
	}
	if err := json.Unmarshal(r.Result, &out); err != nil {
		e.t.Fatalf("%s: result %s: %v", command, r.Result, err)
	}
	return out
}

// fail runs a command that must fail with code and status.
func (e *rpcEnv) fail(s *hooks.Session, command string, args map[string]any, code, status int) *wire.Error {
	e.t.Helper()
	r := e.call(s, command, args)
	if r.OK {
		e.t.Errorf("%s %v as %s: ok %s, want error %d/%d", command, args, s.Identity, r.Result, code, status)
		return nil
	}
	if r.Error.Code != code || r.Error.Status != status || r.Error.Message == "" {
		e.t.Errorf("%s %v as %s: error %+v, want %d/%d", command, args, s.Identity, *r.Error, code, status)
	}
	return r.Error
}

// addMember makes identity a member through the REST path (default
// channel role unless role names another).
func (e *rpcEnv) addMember(channel, identity string, role ...string) {
	e.t.Helper()
	in := core.MemberCreate{Identity: identity}
	if len(role) > 0 {
		in.RoleSID = e.roles[role[0]]
	}
	if _, err := e.core.CreateMember(context.Background(), core.API(false), e.svc.SID, channel, in); err != nil {
		e.t.Fatal(err)
	}
}

func (e *rpcEnv) channel(uniqueName, typ string) *model.Channel {
	e.t.Helper()
	ch, err := e.core.CreateChannel(context.Background(), core.API(false), e.svc.SID,
		core.ChannelCreate{UniqueName: uniqueName, Type: typ})
	if err != nil {
		e.t.Fatal(err)
	}
	return ch
}

type emptyResult map[string]any

func wantEmpty(e *rpcEnv, s *hooks.Session, command string, args map[string]any) {
	e.t.Helper()
	if got := ok[emptyResult](e, s, command, args); len(got) != 0 {
		e.t.Errorf("%s: result %v, want {}", command, got)
	}
}

func TestRPCEnvelope(t *testing.T) {
	e := newRPCEnv(t)
	alice := e.session("alice")
	replyTopic := "chat/" + e.svc.SID + "/users/" + alice.UserSID + "/rpc"
	if got := hooks.ReplyTopic(alice); got != replyTopic {
		t.Errorf("ReplyTopic %q, want %q", got, replyTopic)
	}

	// id and reply_to are echoed.
	r, replyTo, id := e.raw(alice, "session", `{"id":"r1","reply_to":"`+replyTopic+`/x"}`)
	if !r.OK || r.ID != "r1" || id != "r1" || replyTo != replyTopic+"/x" {
		t.Errorf("echo: reply %+v replyTo %q id %q", r, replyTo, id)
	}
	// No id, no reply_to: both empty; an empty payload is no arguments.
	for _, p := range []string{"", "  ", "{}"} {
		r, replyTo, id = e.raw(alice, "session", p)
		if !r.OK || id != "" || replyTo != "" {
			t.Errorf("payload %q: reply %+v replyTo %q id %q", p, r, replyTo, id)
		}
	}
	// A reply topic outside the user's prefix is refused and not returned;
	// the id still is, so the client can match the error.
	for _, bad := range []string{"chat/" + e.svc.SID + "/users/US00000000000000000000000000000000/rpc",
		replyTopic[:len(replyTopic)-3], replyTopic + "/+", "chat/#", "elsewhere"} {
		r, replyTo, id = e.raw(alice, "session", `{"id":"r2","reply_to":"`+bad+`"}`)
		if r.OK || r.Error.Code != 20001 || r.Error.Status != 400 || replyTo != "" || id != "r2" {
			t.Errorf("reply_to %q: reply %+v replyTo %q id %q", bad, r, replyTo, id)
		}
	}

	// Malformed JSON and non-objects: 400/20001 without an id.
	for _, p := range []string{`{`, `{"id":"r3"`, `[1,2]`, `"session"`, `42`, `null`, `null{}`, `true`, "\xff", `{"id":"r4"} {}`} {
		r, _, id = e.raw(alice, "session", p)
		if r.OK || r.Error.Code != 20001 || r.Error.Status != 400 || id != "" {
			t.Errorf("payload %q: reply %+v id %q", p, r, id)
		}
	}
	// An id of the wrong type.
	r, _, _ = e.raw(alice, "session", `{"id":7}`)
	if r.OK || r.Error.Code != 20001 || !strings.Contains(r.Error.Message, "id") {
		t.Errorf("numeric id: %+v", r)
	}

	// Unknown commands: 404/20404, with the id.
	for _, c := range []string{"nope", "", "Session", "session/x"} {
		r, _, id = e.raw(alice, c, `{"id":"r5"}`)
		if r.OK || r.Error.Code != 20404 || r.Error.Status != 404 || id != "r5" {
			t.Errorf("command %q: %+v", c, r)
		}
	}
	// Unknown and mistyped arguments are named.
	er := e.fail(alice, "getUser", map[string]any{"id": "r6", "identiy": "bob"}, 20001, 400)
	if er != nil && !strings.Contains(er.Message, "identiy") {
		t.Errorf("unknown argument message %q", er.Message)
	}
	er = e.fail(alice, "createChannel", map[string]any{"friendly_name": 12}, 20001, 400)
	if er != nil && !strings.Contains(er.Message, "friendly_name") {
		t.Errorf("mistyped argument message %q", er.Message)
	}
	er = e.fail(alice, "getMessages", map[string]any{"channel": "x", "page_size": "ten"}, 20001, 400)
	if er != nil && !strings.Contains(er.Message, "page_size") {
		t.Errorf("mistyped page_size message %q", er.Message)
	}
	if got := hooks.Commands(); len(got) != 27 {
		t.Errorf("%d commands, want 27", len(got))
	}
}

func TestRPCSessionTokenAndUsers(t *testing.T) {
	e := newRPCEnv(t)
	alice := e.session("alice")
	e.session("bob")

	type sessionResult struct {
		Identity     string    `json:"identity"`
		UserSID      string    `json:"user_sid"`
		ServiceSID   string    `json:"service_sid"`
		TokenExpires string    `json:"token_expires"`
		User         wire.User `json:"user"`
	}
	got := ok[sessionResult](e, alice, "session", nil)
	if got.Identity != "alice" || got.UserSID != alice.UserSID || got.ServiceSID != e.svc.SID ||
		got.TokenExpires != "2030-01-02T03:04:05Z" || got.User.Identity != "alice" || got.User.SID != alice.UserSID ||
		got.User.RoleSID != e.svc.DefaultServiceRoleSID {
		t.Errorf("session: %+v", got)
	}

	// updateToken calls Refresh and answers its expiry.
	e.fail(alice, "updateToken", map[string]any{"token": "t"}, 20503, 503) // no Refresh
	var gotToken string
	alice.Refresh = func(tok string) (time.Time, error) {
		gotToken = tok
		switch tok {
		case "bad":
			return time.Time{}, errors.New("signature is invalid")
		case "other":
			return time.Time{}, model.Errorf(model.KindForbidden, 20117, "Token identity differs")
		}
		return time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC), nil
	}
	tr := ok[map[string]string](e, alice, "updateToken", map[string]any{"token": "good"})
	if tr["token_expires"] != "2031-05-06T07:08:09Z" || gotToken != "good" {
		t.Errorf("updateToken: %v (token %q)", tr, gotToken)
	}
	e.fail(alice, "updateToken", map[string]any{"token": "bad"}, 20003, 401)
	e.fail(alice, "updateToken", map[string]any{"token": "other"}, 20117, 403)
	e.fail(alice, "updateToken", nil, 20001, 400)

	// getUser: yourself by default, anyone by identity or SID.
	u := ok[wire.User](e, alice, "getUser", nil)
	if u.Identity != "alice" || u.SID != alice.UserSID {
		t.Errorf("getUser self: %+v", u)
	}
	u = ok[wire.User](e, alice, "getUser", map[string]any{"identity": "bob"})
	if u.Identity != "bob" || u.ServiceSID != e.svc.SID {
		t.Errorf("getUser bob: %+v", u)
	}
	e.fail(alice, "getUser", map[string]any{"identity": "nobody"}, 20404, 404)

	// updateUser changes the caller by default; another user needs
	// editAnyUserInfo, which a service user lacks.
	u = ok[wire.User](e, alice, "updateUser", map[string]any{"friendly_name": "Alice A.", "attributes": `{"a":1}`})
	if u.Identity != "alice" || u.FriendlyName == nil || *u.FriendlyName != "Alice A." || u.Attributes != `{"a":1}` {
		t.Errorf("updateUser: %+v", u)
	}
	e.fail(alice, "updateUser", nil, 20161, 400)
	e.fail(alice, "updateUser", map[string]any{"attributes": "{not json"}, 50304, 400)
	e.fail(alice, "updateUser", map[string]any{"identity": "bob", "friendly_name": "B"}, 50107, 403)
	e.fail(alice, "updateUser", map[string]any{"identity": "nobody", "friendly_name": "N"}, 20404, 404)
	if u := ok[wire.User](e, alice, "getUser", map[string]any{"identity": "bob"}); u.FriendlyName != nil {
		t.Errorf("bob changed: %+v", u)
	}

	// A service role without editOwnUserInfo or createChannel: both refused.
	r, err := e.core.CreateRole(context.Background(), core.API(false), e.svc.SID, core.RoleCreate{
		FriendlyName: "reader", Type: "deployment", Permissions: []string{model.PermJoinChannel}})
	if err != nil {
		t.Fatal(err)
	}
	e.roles["reader"] = r.SID
	reader := e.session("reader", "reader")
	e.fail(reader, "updateUser", map[string]any{"friendly_name": "R"}, 50107, 403)
	e.fail(reader, "createChannel", map[string]any{"friendly_name": "R"}, 50107, 403)
	if u := ok[wire.User](e, reader, "getUser", nil); u.Identity != "reader" || u.FriendlyName != nil {
		t.Errorf("refused updateUser changed the user: %+v", u)
	}
}

func TestRPCChannels(t *testing.T) {
	e := newRPCEnv(t)
	alice, bob, carol := e.session("alice"), e.session("bob"), e.session("carol")
	admin := e.session("root", model.RoleNameServiceAdmin)

	// createChannel: the creator is the actor and is not joined.
	ch := ok[wire.Channel](e, alice, "createChannel", map[string]any{"id": "c1", "friendly_name": "General",
		"unique_name": "general", "attributes": `{"topic":"all"}`})
	if ch.CreatedBy != "alice" || ch.Type != "public" || ch.UniqueName == nil || *ch.UniqueName != "general" ||
		ch.FriendlyName == nil || *ch.FriendlyName != "General" || ch.Attributes != `{"topic":"all"}` ||
		ch.MembersCount != 0 || ch.ServiceSID != e.svc.SID || !model.IsSID(model.PrefixChannel, ch.SID) {
		t.Errorf("createChannel: %+v", ch)
	}
	priv := ok[wire.Channel](e, alice, "createChannel", map[string]any{"unique_name": "secret", "type": "private"})
	if priv.Type != "private" {
		t.Errorf("private createChannel: %+v", priv)
	}
	e.fail(alice, "createChannel", map[string]any{"unique_name": "general"}, 50307, 409)
	e.fail(alice, "createChannel", map[string]any{"type": "secret"}, 20001, 400)
	e.fail(alice, "createChannel", map[string]any{"attributes": "{"}, 50304, 400)

	// getChannel by SID and by unique name: a descriptor.
	for _, key := range []string{ch.SID, "general"} {
		d := ok[wire.ChannelDescriptor](e, bob, "getChannel", map[string]any{"channel": key})
		if d.SID != ch.SID || d.Status != "notParticipating" || d.NotificationLevel != "default" ||
			d.LastMessage != nil || d.LastConsumedMessageIndex != nil {
			t.Errorf("getChannel %s: %+v", key, d)
		}
	}
	e.fail(bob, "getChannel", map[string]any{"channel": "nowhere"}, 20404, 404)
	e.fail(bob, "getChannel", nil, 20001, 400)
	// A private channel is invisible to non-members, exactly like a
	// missing one.
	e.fail(bob, "getChannel", map[string]any{"channel": priv.SID}, 20404, 404)
	e.fail(bob, "getChannel", map[string]any{"channel": "secret"}, 20404, 404)

	// joinChannel: bob joins the public channel.
	m := ok[wire.Member](e, bob, "joinChannel", map[string]any{"channel": "general"})
	if m.Identity != "bob" || m.ChannelSID != ch.SID || m.RoleSID == "" {
		t.Errorf("joinChannel: %+v", m)
	}
	if d := ok[wire.ChannelDescriptor](e, bob, "getChannel", map[string]any{"channel": "general"}); d.Status != "joined" || d.MembersCount != 1 {
		t.Errorf("after join: %+v", d)
	}
	// joining a private channel without an invite: invisible.
	e.fail(bob, "joinChannel", map[string]any{"channel": "secret"}, 20404, 404)

	// updateChannel: bob, a plain member, may not rename; the service admin may.
	e.fail(bob, "updateChannel", map[string]any{"channel": "general", "friendly_name": "Mine"}, 50107, 403)
	up := ok[wire.Channel](e, admin, "updateChannel", map[string]any{"channel": "general", "friendly_name": "Lobby",
		"attributes": `{"topic":"new"}`})
	if up.FriendlyName == nil || *up.FriendlyName != "Lobby" || up.Attributes != `{"topic":"new"}` || *up.UniqueName != "general" {
		t.Errorf("updateChannel: %+v", up)
	}
	up = ok[wire.Channel](e, admin, "updateChannel", map[string]any{"channel": ch.SID, "unique_name": nil})
	if up.UniqueName != nil || up.FriendlyName == nil || *up.FriendlyName != "Lobby" {
		t.Errorf("updateChannel clearing unique_name: %+v", up)
	}
	e.fail(admin, "updateChannel", map[string]any{"channel": ch.SID}, 50347, 400)

	// destroyChannel: a plain member may not (50107/403); the service admin may.
	e.fail(bob, "destroyChannel", map[string]any{"channel": ch.SID}, 50107, 403)
	e.fail(carol, "destroyChannel", map[string]any{"channel": ch.SID}, 50107, 403)
	wantEmpty(e, admin, "destroyChannel", map[string]any{"channel": ch.SID})
	e.fail(bob, "getChannel", map[string]any{"channel": ch.SID}, 20404, 404)
	e.fail(admin, "destroyChannel", map[string]any{"channel": ch.SID}, 20404, 404)
	// The private channel's destroy by a stranger: invisible.
	e.fail(carol, "destroyChannel", map[string]any{"channel": "secret"}, 20404, 404)
}

func TestRPCInvitesAndLeaving(t *testing.T) {
	e := newRPCEnv(t)
	alice, bob, carol := e.session("alice"), e.session("bob"), e.session("carol")
	priv := e.channel("secret", "private")
	// alice administers the private channel.
	e.addMember("secret", "alice", model.RoleNameChannelAdmin)

	// inviteMember: alice invites bob and carol; a plain user may not invite.
	inv := ok[wire.Invite](e, alice, "inviteMember", map[string]any{"channel": "secret", "identity": "bob"})
	if inv.Identity != "bob" || inv.ChannelSID != priv.SID || inv.CreatedBy != "alice" || !model.IsSID(model.PrefixInvite, inv.SID) {
		t.Errorf("inviteMember: %+v", inv)
	}
	ok[wire.Invite](e, alice, "inviteMember", map[string]any{"channel": "secret", "identity": "carol"})
	e.fail(alice, "inviteMember", map[string]any{"channel": "secret", "identity": "bob"}, 50212, 409)
	e.fail(alice, "inviteMember", map[string]any{"channel": "secret", "identity": "nobody"}, 20404, 404)
	e.fail(alice, "inviteMember", map[string]any{"channel": "secret"}, 20001, 400)

	// An invitee sees the channel as invited, in getChannel and in their
	// user descriptors; the public list never shows it.
	d := ok[wire.ChannelDescriptor](e, bob, "getChannel", map[string]any{"channel": "secret"})
	if d.Status != "invited" || d.SID != priv.SID {
		t.Errorf("invitee getChannel: %+v", d)
	}
	page := ok[wire.Page[wire.ChannelDescriptor]](e, bob, "getUserChannelDescriptors", nil)
	if len(page.Items) != 1 || page.Items[0].SID != priv.SID || page.Items[0].Status != "invited" {
		t.Errorf("invitee user descriptors: %+v", page)
	}
	if page := ok[wire.Page[wire.ChannelDescriptor]](e, bob, "getPublicChannelDescriptors", nil); len(page.Items) != 0 {
		t.Errorf("public descriptors show a private channel: %+v", page)
	}

	// bob accepts by joining, with the invite's role; carol declines.
	m := ok[wire.Member](e, bob, "joinChannel", map[string]any{"channel": "secret"})
	if m.Identity != "bob" || m.RoleSID != e.svc.DefaultChannelRoleSID {
		t.Errorf("accept: %+v", m)
	}
	wantEmpty(e, carol, "declineInvitation", map[string]any{"channel": "secret"})
	e.fail(carol, "getChannel", map[string]any{"channel": "secret"}, 20404, 404)
	e.fail(carol, "joinChannel", map[string]any{"channel": "secret"}, 20404, 404)

	// addMember: bob (channel user) may not add; alice (channel admin) may.
	e.session("dave")
	e.fail(bob, "addMember", map[string]any{"channel": "secret", "identity": "dave"}, 50107, 403)
	m = ok[wire.Member](e, alice, "addMember", map[string]any{"channel": priv.SID, "identity": "dave"})
	if m.Identity != "dave" || m.ChannelSID != priv.SID {
		t.Errorf("addMember: %+v", m)
	}
	e.fail(alice, "addMember", map[string]any{"channel": "secret", "identity": "dave"}, 50404, 409)

	// getMembers pages.
	mp := ok[wire.Page[wire.Member]](e, bob, "getMembers", map[string]any{"channel": "secret", "page_size": 2})
	if len(mp.Items) != 2 || mp.Items[0].Identity != "alice" || mp.Items[1].Identity != "bob" ||
		mp.NextPageToken == nil || mp.PreviousPageToken != nil {
		t.Fatalf("getMembers page 1: %+v", mp)
	}
	mp = ok[wire.Page[wire.Member]](e, bob, "getMembers", map[string]any{"channel": "secret", "page_size": 2,
		"page_token": *mp.NextPageToken})
	if len(mp.Items) != 1 || mp.Items[0].Identity != "dave" || mp.NextPageToken != nil || mp.PreviousPageToken == nil {
		t.Errorf("getMembers page 2: %+v", mp)
	}
	e.fail(carol, "getMembers", map[string]any{"channel": "secret"}, 20404, 404)
	e.fail(bob, "getMembers", map[string]any{"channel": "secret", "page_token": "garbage"}, 20001, 400)

	// removeMember: by identity or member SID; bob may not remove others.
	e.fail(bob, "removeMember", map[string]any{"channel": "secret", "identity": "dave"}, 50107, 403)
	e.fail(alice, "removeMember", map[string]any{"channel": "secret", "identity": "dave", "member_sid": m.SID}, 20001, 400)
	e.fail(alice, "removeMember", map[string]any{"channel": "secret", "member_sid": "dave"}, 20001, 400)
	e.fail(alice, "removeMember", map[string]any{"channel": "secret"}, 20001, 400)
	wantEmpty(e, alice, "removeMember", map[string]any{"channel": "secret", "member_sid": m.SID})
	e.fail(alice, "removeMember", map[string]any{"channel": "secret", "identity": "dave"}, 20404, 404)

	// leaveChannel: bob leaves; the private channel disappears for him.
	wantEmpty(e, bob, "leaveChannel", map[string]any{"channel": "secret"})
	e.fail(bob, "getChannel", map[string]any{"channel": "secret"}, 20404, 404)
	e.fail(bob, "leaveChannel", map[string]any{"channel": "secret"}, 20404, 404)
	if page := ok[wire.Page[wire.ChannelDescriptor]](e, bob, "getUserChannelDescriptors", nil); len(page.Items) != 0 {
		t.Errorf("user descriptors after leaving: %+v", page)
	}
}

func TestRPCDescriptors(t *testing.T) {
	e := newRPCEnv(t)
	alice := e.session("alice")
	var public []string
	for i := range 5 {
		public = append(public, e.channel(fmt.Sprintf("pub%d", i), "public").SID)
	}
	e.channel("hidden", "private")
	e.addMember("pub1", "alice")
	e.addMember("pub3", "alice")

	var seen []string
	token := ""
	for range 10 {
		args := map[string]any{"page_size": 2}
		if token != "" {
			args["page_token"] = token
		}
		p := ok[wire.Page[wire.ChannelDescriptor]](e, alice, "getPublicChannelDescriptors", args)
		if len(p.Items) > 2 {
			t.Fatalf("page of %d with page_size 2", len(p.Items))
		}
		for _, d := range p.Items {
			seen = append(seen, d.SID)
			want := "notParticipating"
			if d.UniqueName != nil && (*d.UniqueName == "pub1" || *d.UniqueName == "pub3") {
				want = "joined"
			}
			if d.Status != want || d.Type != "public" {
				t.Errorf("descriptor %v: status %q type %q, want %q", *d.UniqueName, d.Status, d.Type, want)
			}
		}
		if p.NextPageToken == nil {
			break
		}
		token = *p.NextPageToken
	}
	if strings.Join(seen, ",") != strings.Join(public, ",") {
		t.Errorf("public descriptors %v, want %v", seen, public)
	}
	p := ok[wire.Page[wire.ChannelDescriptor]](e, alice, "getUserChannelDescriptors", nil)
	if len(p.Items) != 2 || p.Items[0].Status != "joined" || p.Items[1].Status != "joined" {
		t.Errorf("user descriptors: %+v", p)
	}
	e.fail(alice, "getPublicChannelDescriptors", map[string]any{"page_size": 0}, 20001, 400)
}

func TestRPCMessages(t *testing.T) {
	e := newRPCEnv(t)
	alice, bob, carol := e.session("alice"), e.session("bob"), e.session("carol")
	admin := e.session("root", model.RoleNameServiceAdmin)
	e.channel("room", "public")
	e.addMember("room", "alice")
	e.addMember("room", "bob")
	e.addMember("room", "root") // a plain member, with the service admin role

	// sendMessage answers the stored message with its index.
	var sent []wire.Message
	for i := range 5 {
		who := alice
		if i%2 == 1 {
			who = bob
		}
		m := ok[wire.Message](e, who, "sendMessage", map[string]any{"channel": "room", "body": fmt.Sprintf("m%d", i),
			"attributes": `{"n":` + fmt.Sprint(i) + `}`})
		if m.Index != int64(i) || m.From != who.Identity || m.Body != fmt.Sprintf("m%d", i) || m.Type != "text" {
			t.Errorf("sendMessage %d: %+v", i, m)
		}
		sent = append(sent, m)
	}
	// client_message_id makes a retry idempotent.
	first := ok[wire.Message](e, alice, "sendMessage", map[string]any{"channel": "room", "body": "once", "client_message_id": "c-1"})
	again := ok[wire.Message](e, alice, "sendMessage", map[string]any{"channel": "room", "body": "once", "client_message_id": "c-1"})
	if first.Index != 5 || again.Index != 5 || again.SID != first.SID {
		t.Errorf("idempotent send: %+v then %+v", first, again)
	}
	e.fail(alice, "sendMessage", map[string]any{"channel": "room", "body": "x", "client_message_id": strings.Repeat("c", 65)}, 20001, 400)
	e.fail(alice, "sendMessage", map[string]any{"channel": "room"}, 50503, 400)
	e.fail(alice, "sendMessage", map[string]any{"channel": "room", "body": "x", "attributes": "{"}, 50304, 400)
	e.fail(carol, "sendMessage", map[string]any{"channel": "room", "body": "x"}, 50107, 403)
	e.fail(alice, "sendMessage", map[string]any{"channel": "elsewhere", "body": "x"}, 20404, 404)

	// getMessages: ascending, including the anchor; default the last 30.
	type items struct {
		Items []wire.Message `json:"items"`
	}
	indices := func(ms []wire.Message) string {
		var s []string
		for _, m := range ms {
			s = append(s, fmt.Sprint(m.Index))
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{}, "0,1,2,3,4,5"},
		{map[string]any{"page_size": 2}, "4,5"},
		{map[string]any{"page_size": 2, "anchor": 3}, "2,3"},
		{map[string]any{"page_size": 2, "anchor": 3, "direction": "backwards"}, "2,3"},
		{map[string]any{"page_size": 2, "anchor": 3, "direction": "forward"}, "3,4"},
		{map[string]any{"page_size": 3, "direction": "forward"}, "0,1,2"},
		{map[string]any{"page_size": 1000, "anchor": 0, "direction": "forward"}, "0,1,2,3,4,5"},
		{map[string]any{"anchor": 99, "direction": "forward"}, ""},
	} {
		c.args["channel"] = "room"
		got := ok[items](e, bob, "getMessages", c.args)
		if indices(got.Items) != c.want {
			t.Errorf("getMessages %v: %s, want %s", c.args, indices(got.Items), c.want)
		}
	}
	if got := ok[items](e, bob, "getMessages", map[string]any{"channel": "room", "page_size": 1}); len(got.Items) != 1 ||
		got.Items[0].Body != "once" || got.Items[0].SID != first.SID {
		t.Errorf("last message: %+v", got)
	}
	e.fail(bob, "getMessages", map[string]any{"channel": "room", "direction": "sideways"}, 20001, 400)
	e.fail(bob, "getMessages", map[string]any{"channel": "room", "page_size": 0}, 20001, 400)
	e.fail(bob, "getMessages", map[string]any{"channel": "room", "anchor": -1}, 20001, 400)

	// editMessage by index: own message yes, another's no (channel user).
	ed := ok[wire.Message](e, alice, "editMessage", map[string]any{"channel": "room", "index": 0, "body": "m0!"})
	if ed.Index != 0 || ed.Body != "m0!" || !ed.WasEdited || ed.LastUpdatedBy == nil || *ed.LastUpdatedBy != "alice" {
		t.Errorf("editMessage: %+v", ed)
	}
	ed = ok[wire.Message](e, alice, "editMessage", map[string]any{"channel": "room", "index": 0, "attributes": `{"e":1}`})
	if ed.Body != "m0!" || ed.Attributes != `{"e":1}` {
		t.Errorf("editMessage attributes: %+v", ed)
	}
	e.fail(bob, "editMessage", map[string]any{"channel": "room", "index": 0, "body": "hijack"}, 50107, 403)
	e.fail(alice, "editMessage", map[string]any{"channel": "room", "index": 0}, 20161, 400)
	e.fail(alice, "editMessage", map[string]any{"channel": "room", "body": "x"}, 20001, 400)
	e.fail(alice, "editMessage", map[string]any{"channel": "room", "index": 42, "body": "x"}, 20404, 404)

	// deleteMessage by index: own yes, another's no; the admin may delete any.
	e.fail(alice, "deleteMessage", map[string]any{"channel": "room", "index": 1}, 50107, 403)
	wantEmpty(e, alice, "deleteMessage", map[string]any{"channel": "room", "index": 2})
	wantEmpty(e, admin, "deleteMessage", map[string]any{"channel": "room", "index": 1})
	e.fail(alice, "deleteMessage", map[string]any{"channel": "room", "index": 2}, 20404, 404)
	if got := ok[items](e, bob, "getMessages", map[string]any{"channel": "room"}); indices(got.Items) != "0,3,4,5" {
		t.Errorf("after deletes: %s", indices(got.Items))
	}
	if next := ok[wire.Message](e, bob, "sendMessage", map[string]any{"channel": "room", "body": "after"}); next.Index != 6 {
		t.Errorf("index after deletes: %d, want 6 (never reused)", next.Index)
	}
	_ = sent
}

func TestRPCPrivateChannelInvisible(t *testing.T) {
	e := newRPCEnv(t)
	alice, eve := e.session("alice"), e.session("eve")
	e.channel("secret", "private")
	e.addMember("secret", "alice")
	ok[wire.Message](e, alice, "sendMessage", map[string]any{"channel": "secret", "body": "psst"})

	for cmd, args := range map[string]map[string]any{
		"getChannel":         {},
		"joinChannel":        {},
		"leaveChannel":       {},
		"getMembers":         {},
		"sendMessage":        {"body": "x"},
		"getMessages":        {},
		"editMessage":        {"index": 0, "body": "x"},
		"deleteMessage":      {"index": 0},
		"updateReadHorizon":  {"index": 0},
		"setAllMessagesRead": {},
		"typing":             {},
		"destroyChannel":     {},
		"updateChannel":      {"friendly_name": "x"},
		"addMember":          {"identity": "eve"},
		"inviteMember":       {"identity": "eve"},
		"removeMember":       {"identity": "alice"},
	} {
		args["channel"] = "secret"
		e.fail(eve, cmd, args, 20404, 404)
	}
}

func TestRPCReadHorizonNotificationsTyping(t *testing.T) {
	e := newRPCEnv(t)
	alice, carol := e.session("alice"), e.session("carol")
	e.channel("room", "public")
	e.addMember("room", "alice")
	for i := range 4 {
		ok[wire.Message](e, alice, "sendMessage", map[string]any{"channel": "room", "body": fmt.Sprint(i)})
	}
	unread := func(cmd string, args map[string]any, want int) {
		t.Helper()
		args["channel"] = "room"
		got := ok[map[string]int](e, alice, cmd, args)
		if n, has := got["unread_count"]; !has || n != want || len(got) != 1 {
			t.Errorf("%s %v: %v, want unread_count %d", cmd, args, got, want)
		}
	}
	unread("updateReadHorizon", map[string]any{"index": 1}, 2)
	unread("advanceReadHorizon", map[string]any{"index": 0}, 2) // never moves back
	unread("advanceReadHorizon", map[string]any{"index": 2}, 1)
	unread("updateReadHorizon", map[string]any{"index": 0}, 3) // moves back when set
	unread("setAllMessagesRead", map[string]any{}, 0)
	unread("setNoMessagesRead", map[string]any{}, 4)
	unread("updateReadHorizon", map[string]any{"index": 3}, 0)
	unread("updateReadHorizon", map[string]any{"index": nil}, 4)
	d := ok[wire.ChannelDescriptor](e, alice, "getChannel", map[string]any{"channel": "room"})
	if d.LastMessage == nil || d.LastMessage.Index != 3 || d.Status != "joined" {
		t.Errorf("descriptor: %+v", d)
	}
	unread("updateReadHorizon", map[string]any{"index": 1}, 2)
	d = ok[wire.ChannelDescriptor](e, alice, "getChannel", map[string]any{"channel": "room"})
	if d.LastConsumedMessageIndex == nil || *d.LastConsumedMessageIndex != 1 || d.UnreadMessagesCount == nil || *d.UnreadMessagesCount != 2 {
		t.Errorf("descriptor horizon: %+v", d)
	}
	e.fail(alice, "updateReadHorizon", map[string]any{"channel": "room"}, 20001, 400)
	e.fail(alice, "advanceReadHorizon", map[string]any{"channel": "room", "index": nil}, 20001, 400)
	e.fail(alice, "advanceReadHorizon", map[string]any{"channel": "room", "index": -1}, 20001, 400)
	e.fail(alice, "setAllMessagesRead", map[string]any{"channel": "room", "index": 1}, 20001, 400)
	e.fail(carol, "setAllMessagesRead", map[string]any{"channel": "room"}, 50400, 400) // not a member

	// setNotificationLevel answers the member; the descriptor shows it.
	m := ok[wire.Member](e, alice, "setNotificationLevel", map[string]any{"channel": "room", "level": "muted"})
	if m.Identity != "alice" {
		t.Errorf("setNotificationLevel: %+v", m)
	}
	if d := ok[wire.ChannelDescriptor](e, alice, "getChannel", map[string]any{"channel": "room"}); d.NotificationLevel != "muted" {
		t.Errorf("notification level %q, want muted", d.NotificationLevel)
	}
	e.fail(alice, "setNotificationLevel", map[string]any{"channel": "room", "level": "loud"}, 50210, 400)
	e.fail(alice, "setNotificationLevel", map[string]any{"channel": "room"}, 20001, 400)
	e.fail(carol, "setNotificationLevel", map[string]any{"channel": "room", "level": "muted"}, 20404, 404)

	// typing: members only; it arms the typing timer with the channel's
	// SID, whatever the argument named.
	type typingCall struct {
		service, channel, identity string
		timeout                    time.Duration
	}
	var calls []typingCall
	e.rpc.TypingStarted = func(service, channel, identity string, timeout time.Duration) {
		calls = append(calls, typingCall{service, channel, identity, timeout})
	}
	wantEmpty(e, alice, "typing", map[string]any{"channel": "room"})
	room := ok[wire.ChannelDescriptor](e, alice, "getChannel", map[string]any{"channel": "room"})
	want := typingCall{e.svc.SID, room.SID, "alice", time.Duration(e.svc.TypingIndicatorTimeout) * time.Second}
	if len(calls) != 1 || calls[0] != want || want.timeout <= 0 {
		t.Errorf("typing timer: %+v, want one %+v", calls, want)
	}
	e.fail(carol, "typing", map[string]any{"channel": "room"}, 50400, 400)
	e.fail(alice, "typing", map[string]any{"channel": "nowhere"}, 20404, 404)
	if len(calls) != 1 {
		t.Errorf("refused typing armed the timer: %+v", calls)
	}
}
