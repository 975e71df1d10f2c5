// Package storetest is the conformance suite of model.Store: every storage
// backend runs it from its own tests, with a Harness that opens fresh stores.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{Open: ..., Reopen: ...})
//	}
//
// The suite checks values, not only errors: what a store returns must equal
// what was stored. Times are compared with time.Time.Equal, and a nil slice
// equals an empty one; everything else must round-trip exactly. The suite
// uses second-precision UTC times.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/model"
)

// Harness tells the suite how to get stores of the backend under test.
type Harness struct {
	// Open returns a fresh, empty store. The harness closes it at the end of
	// the test (t.Cleanup); the suite may close it earlier.
	Open func(t *testing.T) model.Store
	// Reopen closes s and opens the same data again. Nil when the backend
	// cannot (the restart test is then skipped).
	Reopen func(t *testing.T, s model.Store) model.Store
}

// Run runs the whole suite, one subtest per area.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"Account", testAccount},
		{"Keys", testKeys},
		{"Credentials", testCredentials},
		{"Services", testServices},
		{"Roles", testRoles},
		{"Users", testUsers},
		{"Channels", testChannels},
		{"Members", testMembers},
		{"MemberLimits", testMemberLimits},
		{"Messages", testMessages},
		{"MessageClientID", testMessageClientID},
		{"CountMessagesAfter", testCountMessagesAfter},
		{"Invites", testInvites},
		{"Webhooks", testWebhooks},
		{"Bindings", testBindings},
		{"UserChannels", testUserChannels},
		{"UpdateSemantics", testUpdateSemantics},
		{"PagingSIDLists", testPagingSIDLists},
		{"PagingFiltered", testPagingFiltered},
		{"PagingMessages", testPagingMessages},
		{"PagingUserChannels", testPagingUserChannels},
		{"DeleteChannelCascade", testDeleteChannelCascade},
		{"DeleteUserCascade", testDeleteUserCascade},
		{"DeleteServiceCascade", testDeleteServiceCascade},
		{"ConcurrentMessages", testConcurrentMessages},
		{"ConcurrentMembers", testConcurrentMembers},
		{"ConcurrentUsers", testConcurrentUsers},
		{"EventSeq", testEventSeq},
		{"ConcurrentEventSeq", testConcurrentEventSeq},
		{"CancelledContext", testCancelledContext},
		{"Reopen", testReopen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

// env is one test's store and fixture builders.
type env struct {
	t   *testing.T
	s   model.Store
	ctx context.Context
	now time.Time
}

func newEnv(t *testing.T, h Harness) *env {
	t.Helper()
	return &env{t: t, s: h.Open(t), ctx: context.Background(), now: time.Now().UTC().Truncate(time.Second)}
}

// tick returns a later time on each call (the suite's clock).
func (e *env) tick() time.Time {
	e.now = e.now.Add(time.Second)
	return e.now
}

const accountSID = "AC00000000000000000000000000000000"

// service creates a service with the four default roles.
func (e *env) service() (*model.Service, []model.Role) {
	e.t.Helper()
	now := e.tick()
	s := &model.Service{
		SID: model.NewSID(model.PrefixService), AccountSID: accountSID, FriendlyName: "svc",
		DateCreated: now, DateUpdated: now, TypingIndicatorTimeout: 5,
		Limits:         model.ServiceLimits{ChannelMembers: 100, UserChannels: 250},
		WebhookMethod:  "POST",
		WebhookFilters: []string{"onMessageSent"},
		Notifications:  model.Notifications{NewMessage: model.NotificationConfig{Enabled: true, Template: "${MESSAGE}"}},
		Media:          model.MediaSettings{SizeLimitMB: 150},
	}
	roles := model.DefaultRoles()
	for i := range roles {
		roles[i].SID = model.NewSID(model.PrefixRole)
		roles[i].AccountSID, roles[i].ServiceSID = accountSID, s.SID
		roles[i].DateCreated, roles[i].DateUpdated = now, now
	}
	s.DefaultServiceRoleSID, s.DefaultChannelRoleSID, s.DefaultChannelCreatorRoleSID = roles[1].SID, roles[3].SID, roles[2].SID
	must(e.t, e.s.CreateService(e.ctx, s, roles))
	return s, roles
}

func (e *env) newUser(svc *model.Service, identity string) *model.User {
	now := e.tick()
	return &model.User{
		SID: model.NewSID(model.PrefixUser), AccountSID: accountSID, ServiceSID: svc.SID,
		Identity: identity, FriendlyName: "friendly " + identity, Attributes: `{"k":"v"}`,
		RoleSID: svc.DefaultServiceRoleSID, DateCreated: now, DateUpdated: now,
	}
}

func (e *env) user(svc *model.Service, identity string) *model.User {
	e.t.Helper()
	u := e.newUser(svc, identity)
	must(e.t, e.s.CreateUser(e.ctx, u))
	return u
}

func (e *env) newChannel(svc *model.Service, uniqueName string, typ model.ChannelType) *model.Channel {
	now := e.tick()
	return &model.Channel{
		SID: model.NewSID(model.PrefixChannel), AccountSID: accountSID, ServiceSID: svc.SID,
		FriendlyName: "channel " + uniqueName, UniqueName: uniqueName, Attributes: `{}`,
		Type: typ, CreatedBy: "system", DateCreated: now, DateUpdated: now,
		Epoch: "e" + model.NewSID("")[18:33], // any string: the store keeps it
	}
}

func (e *env) channel(svc *model.Service, uniqueName string) *model.Channel {
	e.t.Helper()
	c := e.newChannel(svc, uniqueName, model.ChannelPublic)
	must(e.t, e.s.CreateChannel(e.ctx, c))
	return c
}

func (e *env) newMember(ch *model.Channel, u *model.User) *model.Member {
	now := e.tick()
	return &model.Member{
		SID: model.NewSID(model.PrefixMember), AccountSID: accountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, UserSID: u.SID, Identity: u.Identity, RoleSID: "RL" + strings.Repeat("0", 32),
		Attributes: `{}`, NotificationLevel: model.NotificationDefault, DateCreated: now, DateUpdated: now,
	}
}

func (e *env) member(ch *model.Channel, u *model.User) *model.Member {
	e.t.Helper()
	m := e.newMember(ch, u)
	must(e.t, e.s.AddMember(e.ctx, m, model.MemberLimits{}))
	return m
}

func (e *env) newMessage(ch *model.Channel, body string) *model.Message {
	now := e.tick()
	return &model.Message{
		SID: model.NewSID(model.PrefixMessage), AccountSID: accountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, From: "alice", Body: body, Attributes: `{}`, Type: model.MessageText,
		DateCreated: now, DateUpdated: now,
	}
}

// message creates a message and checks it got index want.
func (e *env) message(ch *model.Channel, body string, want int64) *model.Message {
	e.t.Helper()
	m := e.newMessage(ch, body)
	stored, created, err := e.s.CreateMessage(e.ctx, m)
	must(e.t, err)
	if !created {
		e.t.Fatalf("CreateMessage(%s): created = false", body)
	}
	exp := *m
	exp.Index = want
	equal(e.t, "CreateMessage result", stored, &exp)
	return stored
}

func (e *env) newInvite(ch *model.Channel, identity string) *model.Invite {
	now := e.tick()
	return &model.Invite{
		SID: model.NewSID(model.PrefixInvite), AccountSID: accountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, Identity: identity, RoleSID: "RL" + strings.Repeat("1", 32),
		CreatedBy: "admin", DateCreated: now, DateUpdated: now,
	}
}

func (e *env) invite(ch *model.Channel, identity string) *model.Invite {
	e.t.Helper()
	in := e.newInvite(ch, identity)
	must(e.t, e.s.CreateInvite(e.ctx, in))
	return in
}

func (e *env) newWebhook(ch *model.Channel) *model.Webhook {
	now := e.tick()
	return &model.Webhook{
		SID: model.NewSID(model.PrefixWebhook), AccountSID: accountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, Type: model.WebhookTypeWebhook, URL: "https://example.com/hook",
		Method: "POST", Filters: []string{"onMessageSent"}, RetryCount: 1, DateCreated: now, DateUpdated: now,
	}
}

func (e *env) newBinding(u *model.User, typ string) *model.Binding {
	now := e.tick()
	return &model.Binding{
		SID: model.NewSID(model.PrefixBinding), AccountSID: accountSID, ServiceSID: u.ServiceSID,
		UserSID: u.SID, Identity: u.Identity, Endpoint: "endpoint-" + typ, CredentialSID: model.NewSID(model.PrefixCredential),
		BindingType: typ, MessageTypes: []string{"new_message"}, DateCreated: now, DateUpdated: now,
	}
}

// getChannel returns the stored channel.
func (e *env) getChannel(ch *model.Channel) *model.Channel {
	e.t.Helper()
	c, err := e.s.GetChannel(e.ctx, ch.ServiceSID, ch.SID)
	must(e.t, err)
	return c
}

// getUser returns the stored user.
func (e *env) getUser(u *model.User) *model.User {
	e.t.Helper()
	got, err := e.s.GetUser(e.ctx, u.ServiceSID, u.SID)
	must(e.t, err)
	return got
}

// all is a request large enough for every list of the suite.
func all() model.PageRequest { return model.PageRequest{Limit: 1000} }

// ---- assertions ----

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr checks that err is an *model.Error of the kind and (when not 0)
// the code.
func wantErr(t *testing.T, what string, err error, kind model.Kind, code int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want %s (%d)", what, kind, code)
	}
	if model.KindOf(err) != kind || code != 0 && model.CodeOf(err) != code {
		t.Fatalf("%s: got error %v (kind %s, code %d), want kind %s code %d",
			what, err, model.KindOf(err), model.CodeOf(err), kind, code)
	}
}

// wantNotFound checks that err is KindNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	wantErr(t, what, err, model.KindNotFound, 0)
}

// equal fails the test unless got and want are equal (see same).
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !same(reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Fatalf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

// show formats a value for a failure message, following pointers.
func show(v any) string {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return "<nil>"
	}
	return fmt.Sprintf("%+v", rv.Interface())
}

var timeType = reflect.TypeFor[time.Time]()

// same is deep equality where times compare with Equal and a nil slice
// equals an empty one.
func same(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return same(a.Elem(), b.Elem())
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !same(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !same(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		return reflect.DeepEqual(a.Interface(), b.Interface())
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// sidsOf maps items to their SIDs (or other cursors).
func sidsOf[T, K any](items []T, sid func(T) K) []K {
	out := make([]K, len(items))
	for i, it := range items {
		out[i] = sid(it)
	}
	return out
}

// sorted returns a sorted copy of sids: the list order of SID lists.
func sorted(sids ...string) []string {
	out := slices.Clone(sids)
	slices.Sort(out)
	return out
}

// errAbort is what the suite's Update functions return to abort.
var errAbort = errors.New("storetest: aborted by fn")

// intp returns a pointer to v.
func intp[T any](v T) *T { return &v }

// errOf drops the value of a call that returns one with its error, for the
// checks that only look at the error.
func errOf[T any](_ T, err error) error { return err }
