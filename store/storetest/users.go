package storetest

import (
	"testing"

	"github.com/parleychat/parley/model"
)

func userSID(u model.User) string { return u.SID }

func testUsers(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	s2, _ := e.service()
	alice := e.user(s1, "alice")
	got, err := e.s.GetUser(e.ctx, s1.SID, alice.SID)
	must(t, err)
	equal(t, "GetUser", got, alice)
	got, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "alice")
	must(t, err)
	equal(t, "GetUserByIdentity", got, alice)

	// Identities are unique within a service.
	dup := e.newUser(s1, "alice")
	wantErr(t, "CreateUser with a taken identity", e.s.CreateUser(e.ctx, dup), model.KindConflict, model.CodeUserExists)
	_, err = e.s.GetUser(e.ctx, s1.SID, dup.SID)
	wantNotFound(t, "GetUser of the refused duplicate", err)
	got, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "alice")
	must(t, err)
	equal(t, "GetUserByIdentity after the refused duplicate", got, alice)

	// Case-sensitive: "Alice" is another identity.
	_, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "ALICE")
	wantNotFound(t, "GetUserByIdentity with another case", err)
	upper := e.user(s1, "Alice")
	got, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "Alice")
	must(t, err)
	equal(t, "GetUserByIdentity Alice", got, upper)

	// Scoped by service: the same identity may exist in another service,
	// and a user is not found under another service.
	_, err = e.s.GetUser(e.ctx, s2.SID, alice.SID)
	wantNotFound(t, "GetUser under another service", err)
	_, err = e.s.GetUserByIdentity(e.ctx, s2.SID, "alice")
	wantNotFound(t, "GetUserByIdentity under another service", err)
	alice2 := e.user(s2, "alice")
	got, err = e.s.GetUserByIdentity(e.ctx, s2.SID, "alice")
	must(t, err)
	equal(t, "GetUserByIdentity in the second service", got, alice2)

	odd := e.user(s1, "bob/../é 😀")
	got, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "bob/../é 😀")
	must(t, err)
	equal(t, "GetUserByIdentity with an unusual identity", got, odd)

	p, err := e.s.ListUsers(e.ctx, s1.SID, all())
	must(t, err)
	equal(t, "ListUsers", sidsOf(p.Items, userSID), sorted(alice.SID, upper.SID, odd.SID))
	equal(t, "ListUsers first item", &p.Items[0], map[string]*model.User{alice.SID: alice, upper.SID: upper, odd.SID: odd}[p.Items[0].SID])
	p, err = e.s.ListUsers(e.ctx, s2.SID, all())
	must(t, err)
	equal(t, "ListUsers of the second service", sidsOf(p.Items, userSID), []string{alice2.SID})

	// Update: identity, counters, SID and parents are kept.
	upd, err := e.s.UpdateUser(e.ctx, s1.SID, alice.SID, func(u *model.User) error {
		u.FriendlyName, u.Attributes, u.RoleSID = "Alice A.", `{"x":1}`, "RL"+"00000000000000000000000000000009"
		u.Identity, u.JoinedChannelsCount, u.SID, u.ServiceSID, u.AccountSID = "mallory", 42, "USxx", s2.SID, "ACxx"
		return nil
	})
	must(t, err)
	want := *alice
	want.FriendlyName, want.Attributes, want.RoleSID = "Alice A.", `{"x":1}`, "RL"+"00000000000000000000000000000009"
	equal(t, "UpdateUser result", upd, &want)
	equal(t, "GetUser after update", e.getUser(alice), &want)
	_, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "mallory")
	wantNotFound(t, "GetUserByIdentity of the identity an update tried to set", err)
	_, err = e.s.UpdateUser(e.ctx, s2.SID, upper.SID, func(*model.User) error { return nil })
	wantNotFound(t, "UpdateUser under another service", err)

	wantNotFound(t, "DeleteUser under another service", e.s.DeleteUser(e.ctx, s2.SID, upper.SID))
	must(t, e.s.DeleteUser(e.ctx, s1.SID, upper.SID))
	_, err = e.s.GetUser(e.ctx, s1.SID, upper.SID)
	wantNotFound(t, "GetUser after delete", err)
	_, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "Alice")
	wantNotFound(t, "GetUserByIdentity after delete", err)
	wantNotFound(t, "DeleteUser again", e.s.DeleteUser(e.ctx, s1.SID, upper.SID))
	// The identity is free again.
	again := e.user(s1, "Alice")
	got, err = e.s.GetUserByIdentity(e.ctx, s1.SID, "Alice")
	must(t, err)
	equal(t, "GetUserByIdentity of the re-created identity", got, again)
}

func bindingSID(b model.Binding) string { return b.SID }

func testBindings(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	s2, _ := e.service()
	alice, bob := e.user(s1, "alice"), e.user(s1, "bob")

	ghost := e.newUser(s1, "ghost")
	wantNotFound(t, "CreateBinding for a missing user", e.s.CreateBinding(e.ctx, e.newBinding(ghost, "apn")))
	foreign := *alice
	foreign.ServiceSID = s2.SID
	wantNotFound(t, "CreateBinding for a user of another service", e.s.CreateBinding(e.ctx, e.newBinding(&foreign, "apn")))

	a1, a2, b1 := e.newBinding(alice, "apn"), e.newBinding(alice, "fcm"), e.newBinding(bob, "fcm")
	for _, b := range []*model.Binding{a1, a2, b1} {
		must(t, e.s.CreateBinding(e.ctx, b))
	}
	got, err := e.s.GetBinding(e.ctx, s1.SID, a1.SID)
	must(t, err)
	equal(t, "GetBinding", got, a1)
	_, err = e.s.GetBinding(e.ctx, s2.SID, a1.SID)
	wantNotFound(t, "GetBinding under another service", err)

	list := func(f model.BindingFilter) []string {
		t.Helper()
		p, err := e.s.ListBindings(e.ctx, s1.SID, f, all())
		must(t, err)
		return sidsOf(p.Items, bindingSID)
	}
	equal(t, "ListBindings", list(model.BindingFilter{}), sorted(a1.SID, a2.SID, b1.SID))
	equal(t, "ListBindings by user", list(model.BindingFilter{UserSID: alice.SID}), sorted(a1.SID, a2.SID))
	equal(t, "ListBindings by identity", list(model.BindingFilter{Identities: []string{"bob"}}), []string{b1.SID})
	equal(t, "ListBindings by identities", list(model.BindingFilter{Identities: []string{"bob", "alice"}}), sorted(a1.SID, a2.SID, b1.SID))
	equal(t, "ListBindings by type", list(model.BindingFilter{BindingTypes: []string{"fcm"}}), sorted(a2.SID, b1.SID))
	equal(t, "ListBindings by user and type", list(model.BindingFilter{UserSID: alice.SID, BindingTypes: []string{"fcm"}}), []string{a2.SID})
	equal(t, "ListBindings by identity and type", list(model.BindingFilter{Identities: []string{"alice"}, BindingTypes: []string{"gcm"}}), []string(nil))
	p, err := e.s.ListBindings(e.ctx, s1.SID, model.BindingFilter{}, all())
	must(t, err)
	for _, b := range p.Items {
		want := map[string]*model.Binding{a1.SID: a1, a2.SID: a2, b1.SID: b1}[b.SID]
		equal(t, "ListBindings item", &b, want)
	}

	wantNotFound(t, "DeleteBinding under another service", e.s.DeleteBinding(e.ctx, s2.SID, a1.SID))
	must(t, e.s.DeleteBinding(e.ctx, s1.SID, a1.SID))
	_, err = e.s.GetBinding(e.ctx, s1.SID, a1.SID)
	wantNotFound(t, "GetBinding after delete", err)
	wantNotFound(t, "DeleteBinding again", e.s.DeleteBinding(e.ctx, s1.SID, a1.SID))
	equal(t, "ListBindings by user after delete", list(model.BindingFilter{UserSID: alice.SID}), []string{a2.SID})
}
