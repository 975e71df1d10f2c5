package core_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/store/embedded"
)

// accountEnv is a Core on a fresh embedded store that records its events.
type accountEnv struct {
	core  *core.Core
	store *embedded.Store
	mu    sync.Mutex
	evs   []model.Event
}

func newAccountEnv(t *testing.T) *accountEnv {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "account.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &accountEnv{store: st}
	sink := model.EventSinkFunc(func(_ context.Context, ev model.Event) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.evs = append(e.evs, ev)
	})
	e.core, err = core.New(core.Config{Store: st, Events: sink, SecretKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.core.EnsureAccount(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	return e
}

// events returns the types of the events emitted so far.
func (e *accountEnv) events() []model.EventType {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []model.EventType
	for _, ev := range e.evs {
		out = append(out, ev.Type)
	}
	return out
}

var accountAPI = core.API(false)

func accountWant(t *testing.T, err error, kind model.Kind, code int) {
	t.Helper()
	if err == nil || model.KindOf(err) != kind || model.CodeOf(err) != code {
		t.Fatalf("got %v (kind %v), want kind %v code %d", err, model.KindOf(err), kind, code)
	}
}

func accountNewService(t *testing.T, e *accountEnv) *model.Service {
	t.Helper()
	svc, err := e.core.CreateService(context.Background(), accountAPI, core.ServiceCreate{FriendlyName: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestAccountDefaultRolesWiring(t *testing.T) {
	e := newAccountEnv(t)
	ctx := context.Background()
	svc := accountNewService(t, e)
	roles, _, err := e.core.ListRoles(ctx, accountAPI, svc.SID, core.PageParams{})
	if err != nil || len(roles) != 4 {
		t.Fatalf("roles: %v %v", roles, err)
	}
	defaults := model.DefaultRoles()
	byName := map[string]model.Role{}
	for _, r := range roles {
		byName[r.FriendlyName] = r
	}
	for _, d := range defaults {
		r, ok := byName[d.FriendlyName]
		if !ok || r.Type != d.Type || !slices.Equal(r.Permissions, d.Permissions) || r.ServiceSID != svc.SID {
			t.Errorf("role %q: %+v, want %+v", d.FriendlyName, r, d)
		}
	}
	for field, want := range map[string]struct {
		sid, name string
	}{
		"service": {svc.DefaultServiceRoleSID, model.RoleNameServiceUser},
		"channel": {svc.DefaultChannelRoleSID, model.RoleNameChannelUser},
		"creator": {svc.DefaultChannelCreatorRoleSID, model.RoleNameChannelAdmin},
	} {
		if byName[want.name].SID != want.sid {
			t.Errorf("%s default role %s, want the %q role %s", field, want.sid, want.name, byName[want.name].SID)
		}
	}
	// Users get the default service role.
	u, err := e.core.CreateUser(ctx, accountAPI, svc.SID, core.UserCreate{Identity: "alice"})
	if err != nil || u.RoleSID != svc.DefaultServiceRoleSID || u.Attributes != "{}" {
		t.Fatalf("user: %+v %v", u, err)
	}
	// Service defaults.
	if !svc.ReadStatusEnabled || svc.ReachabilityEnabled || svc.TypingIndicatorTimeout != 5 ||
		svc.Limits != (model.ServiceLimits{ChannelMembers: 100, UserChannels: 250}) || svc.WebhookMethod != "POST" ||
		svc.Media.SizeLimitMB != 150 {
		t.Errorf("defaults: %+v", svc)
	}
}

func TestAccountPermissionValidation(t *testing.T) {
	e := newAccountEnv(t)
	ctx := context.Background()
	svc := accountNewService(t, e)
	cases := []struct {
		typ   string
		perms []string
		code  int // 0: valid
	}{
		{"channel", []string{model.PermSendMessage, model.PermDestroyChannel}, 0},
		{"deployment", []string{model.PermCreateChannel, model.PermDestroyChannel}, 0},
		{"deployment", []string{model.PermEditOwnMessage}, 0}, // accepted in both scopes (model.PermissionScopes)
		{"channel", []string{model.PermCreateChannel}, 50104},
		{"channel", []string{model.PermJoinChannel}, 50104},
		{"deployment", []string{model.PermSendMessage}, 50104},
		{"deployment", []string{model.PermLeaveChannel}, 50104},
		{"channel", []string{"SendMessage"}, 50104}, // case matters
		{"channel", []string{""}, 20001},
		{"channel", nil, 20001},
		{"Channel", []string{model.PermSendMessage}, 50105},
		{"", []string{model.PermSendMessage}, 20001},
	}
	for _, c := range cases {
		r, err := e.core.CreateRole(ctx, accountAPI, svc.SID, core.RoleCreate{FriendlyName: "r", Type: c.typ, Permissions: c.perms})
		if c.code == 0 {
			if err != nil || string(r.Type) != c.typ || !slices.Equal(r.Permissions, c.perms) {
				t.Errorf("%s %v: %+v %v", c.typ, c.perms, r, err)
			}
			continue
		}
		if model.CodeOf(err) != c.code || model.KindOf(err) != model.KindInvalid {
			t.Errorf("%s %v: got %v, want code %d", c.typ, c.perms, err, c.code)
		}
	}
	// Update validates against the role's own type.
	r, err := e.core.CreateRole(ctx, accountAPI, svc.SID, core.RoleCreate{FriendlyName: "mod", Type: "channel",
		Permissions: []string{model.PermSendMessage}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.core.UpdateRole(ctx, accountAPI, svc.SID, r.SID, core.RoleUpdate{Permissions: []string{model.PermCreateChannel}})
	accountWant(t, err, model.KindInvalid, 50104)
	up, err := e.core.UpdateRole(ctx, accountAPI, svc.SID, r.SID, core.RoleUpdate{Permissions: []string{
		model.PermLeaveChannel, model.PermLeaveChannel, model.PermAddMember}})
	if err != nil || !slices.Equal(up.Permissions, []string{model.PermLeaveChannel, model.PermAddMember}) {
		t.Fatalf("update: %+v %v", up, err)
	}
}

func TestAccountDefaultRoleDeletion(t *testing.T) {
	e := newAccountEnv(t)
	ctx := context.Background()
	svc := accountNewService(t, e)
	for _, sid := range []string{svc.DefaultServiceRoleSID, svc.DefaultChannelRoleSID, svc.DefaultChannelCreatorRoleSID} {
		accountWant(t, e.core.DeleteRole(ctx, accountAPI, svc.SID, sid), model.KindInvalid, model.CodeInvalidParam)
	}
	// Once the service points elsewhere, the old default can go.
	r, err := e.core.CreateRole(ctx, accountAPI, svc.SID, core.RoleCreate{FriendlyName: "members", Type: "channel",
		Permissions: []string{model.PermSendMessage}})
	if err != nil {
		t.Fatal(err)
	}
	old := svc.DefaultChannelRoleSID
	if _, err := e.core.UpdateService(ctx, accountAPI, svc.SID, core.ServiceUpdate{DefaultChannelRoleSID: &r.SID}); err != nil {
		t.Fatal(err)
	}
	if err := e.core.DeleteRole(ctx, accountAPI, svc.SID, old); err != nil {
		t.Fatalf("delete former default: %v", err)
	}
	// A role of another service cannot be wired in.
	other := accountNewService(t, e)
	_, err = e.core.UpdateService(ctx, accountAPI, svc.SID, core.ServiceUpdate{DefaultChannelRoleSID: &other.DefaultChannelRoleSID})
	accountWant(t, err, model.KindInvalid, 50101)
}

func TestAccountCredentialSecretsSealed(t *testing.T) {
	e := newAccountEnv(t)
	ctx := context.Background()
	yes := true
	cr, err := e.core.CreateCredential(ctx, accountAPI, core.CredentialCreate{Type: "apn", Certificate: "CERT-PLAINTEXT",
		PrivateKey: "KEY-PLAINTEXT", Sandbox: &yes})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.GetCredential(ctx, cr.SID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Secrets) == 0 || bytes.Contains(stored.Secrets, []byte("PLAINTEXT")) || stored.Sandbox != "True" {
		t.Errorf("secrets not sealed: %q sandbox %q", stored.Secrets, stored.Sandbox)
	}
	name := "renamed"
	up, err := e.core.UpdateCredential(ctx, accountAPI, cr.SID, core.CredentialUpdate{FriendlyName: &name})
	if err != nil || up.FriendlyName != "renamed" || bytes.Contains(up.Secrets, []byte("PLAINTEXT")) || len(up.Secrets) == 0 {
		t.Fatalf("update: %+v %v", up, err)
	}
	_, err = e.core.UpdateCredential(ctx, accountAPI, cr.SID, core.CredentialUpdate{})
	accountWant(t, err, model.KindInvalid, model.CodeNoUpdateParams)
}

func TestAccountBindingRules(t *testing.T) {
	e := newAccountEnv(t)
	ctx := context.Background()
	svc := accountNewService(t, e)
	if _, err := e.core.CreateUser(ctx, accountAPI, svc.SID, core.UserCreate{Identity: "alice"}); err != nil {
		t.Fatal(err)
	}
	cr, err := e.core.CreateCredential(ctx, accountAPI, core.CredentialCreate{Type: "fcm", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ok := core.BindingCreate{Endpoint: "e", BindingType: "fcm", CredentialSID: cr.SID}
	bad := func(mod func(*core.BindingCreate)) core.BindingCreate { b := ok; mod(&b); return b }
	for _, c := range []struct {
		name string
		user string
		in   core.BindingCreate
		kind model.Kind
		code int
	}{
		{"no endpoint", "alice", bad(func(b *core.BindingCreate) { b.Endpoint = "" }), model.KindInvalid, 20001},
		{"bad type", "alice", bad(func(b *core.BindingCreate) { b.BindingType = "sms" }), model.KindInvalid, 50209},
		{"no type", "alice", bad(func(b *core.BindingCreate) { b.BindingType = "" }), model.KindInvalid, 20001},
		{"unknown credential", "alice", bad(func(b *core.BindingCreate) { b.CredentialSID = "CR" + "0123456789abcdef0123456789abcdef" }), model.KindInvalid, 20001},
		{"bad message type", "alice", bad(func(b *core.BindingCreate) { b.MessageTypes = []string{"everything"} }), model.KindInvalid, 20001},
		{"unknown user", "bob", ok, model.KindNotFound, 20404},
	} {
		_, err := e.core.CreateBinding(ctx, accountAPI, svc.SID, c.user, c.in)
		if model.KindOf(err) != c.kind || model.CodeOf(err) != c.code {
			t.Errorf("%s: got %v, want %v/%d", c.name, err, c.kind, c.code)
		}
	}
	b, err := e.core.CreateBinding(ctx, accountAPI, svc.SID, "alice", bad(func(b *core.BindingCreate) {
		b.MessageTypes = []string{"new_message", "new_message"}
	}))
	if err != nil || !slices.Equal(b.MessageTypes, []string{"new_message"}) || b.Identity != "alice" {
		t.Fatalf("binding: %+v %v", b, err)
	}
	list, _, err := e.core.ListBindings(ctx, accountAPI, svc.SID, core.BindingFilter{}, core.PageParams{})
	if err != nil || len(list) != 1 {
		t.Fatalf("bindings before the user delete: %v %v", list, err)
	}
}

func TestAccountEvents(t *testing.T) {
	e := newAccountEnv(t)
	ctx := context.Background()
	svc := accountNewService(t, e)
	name := "x"
	if _, err := e.core.UpdateService(ctx, accountAPI, svc.SID, core.ServiceUpdate{FriendlyName: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.core.CreateUser(ctx, accountAPI, svc.SID, core.UserCreate{Identity: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.core.UpdateUser(ctx, accountAPI, svc.SID, "alice", core.UserUpdate{FriendlyName: &name}); err != nil {
		t.Fatal(err)
	}
	// A failed update emits nothing.
	bad := "{"
	if _, err := e.core.UpdateUser(ctx, accountAPI, svc.SID, "alice", core.UserUpdate{Attributes: &bad}); err == nil {
		t.Fatal("bad attributes accepted")
	}
	if err := e.core.DeleteUser(ctx, accountAPI, svc.SID, "alice"); err != nil {
		t.Fatal(err)
	}
	r, err := e.core.CreateRole(ctx, accountAPI, svc.SID, core.RoleCreate{FriendlyName: "r", Type: "deployment",
		Permissions: []string{model.PermCreateChannel}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.core.UpdateRole(ctx, accountAPI, svc.SID, r.SID, core.RoleUpdate{Permissions: []string{model.PermJoinChannel}}); err != nil {
		t.Fatal(err)
	}
	if err := e.core.DeleteRole(ctx, accountAPI, svc.SID, r.SID); err != nil {
		t.Fatal(err)
	}
	if err := e.core.DeleteService(ctx, accountAPI, svc.SID); err != nil {
		t.Fatal(err)
	}
	want := []model.EventType{model.EventServiceUpdated, model.EventUserAdded, model.EventUserUpdated,
		model.EventUserRemoved, model.EventRoleUpdated, model.EventRoleRemoved, model.EventServiceRemoved}
	if got := e.events(); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	// Everything under the service went with it.
	_, err = e.core.GetService(ctx, accountAPI, svc.SID)
	accountWant(t, err, model.KindNotFound, model.CodeNotFound)
}
