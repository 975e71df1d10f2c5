package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/parleychat/parley/model"
)

func testAccount(t *testing.T, h Harness) {
	e := newEnv(t, h)
	_, err := e.s.GetAccount(e.ctx)
	wantNotFound(t, "GetAccount on an empty store", err)

	now := e.tick()
	a := &model.Account{SID: accountSID, FriendlyName: "parley", AuthToken: []byte{1, 2, 3, 0, 255}, DateCreated: now, DateUpdated: now}
	must(t, e.s.PutAccount(e.ctx, a))
	got, err := e.s.GetAccount(e.ctx)
	must(t, err)
	equal(t, "GetAccount", got, a)

	b := *a
	b.FriendlyName, b.AuthToken, b.DateUpdated = "renamed", []byte("sealed"), e.tick()
	must(t, e.s.PutAccount(e.ctx, &b))
	got, err = e.s.GetAccount(e.ctx)
	must(t, err)
	equal(t, "GetAccount after replace", got, &b)
}

func testKeys(t *testing.T, h Harness) {
	e := newEnv(t, h)
	var keys []*model.APIKey
	for i := range 3 {
		now := e.tick()
		k := &model.APIKey{SID: model.NewSID(model.PrefixKey), AccountSID: accountSID, FriendlyName: string(rune('a' + i)),
			Secret: []byte{byte(i), 42}, DateCreated: now, DateUpdated: now}
		must(t, e.s.CreateKey(e.ctx, k))
		keys = append(keys, k)
	}
	for _, k := range keys {
		got, err := e.s.GetKey(e.ctx, k.SID)
		must(t, err)
		equal(t, "GetKey", got, k)
	}
	_, err := e.s.GetKey(e.ctx, model.NewSID(model.PrefixKey))
	wantNotFound(t, "GetKey missing", err)

	p, err := e.s.ListKeys(e.ctx, all())
	must(t, err)
	want := sorted(keys[0].SID, keys[1].SID, keys[2].SID)
	equal(t, "ListKeys", sidsOf(p.Items, func(k model.APIKey) string { return k.SID }), want)
	if p.HasMore {
		t.Fatal("ListKeys: HasMore on the whole list")
	}

	k0 := keys[0]
	upd, err := e.s.UpdateKey(e.ctx, k0.SID, func(k *model.APIKey) error {
		equal(t, "UpdateKey fn argument", k, k0)
		k.FriendlyName = "renamed"
		k.SID, k.AccountSID = "SKxx", "ACxx"
		return nil
	})
	must(t, err)
	want0 := *k0
	want0.FriendlyName = "renamed"
	equal(t, "UpdateKey result", upd, &want0)
	got, err := e.s.GetKey(e.ctx, k0.SID)
	must(t, err)
	equal(t, "GetKey after update", got, &want0)

	_, err = e.s.UpdateKey(e.ctx, k0.SID, func(k *model.APIKey) error {
		k.FriendlyName = "not stored"
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("UpdateKey with failing fn: got %v, want the fn's error", err)
	}
	got, err = e.s.GetKey(e.ctx, k0.SID)
	must(t, err)
	equal(t, "GetKey after aborted update", got, &want0)
	_, err = e.s.UpdateKey(e.ctx, model.NewSID(model.PrefixKey), func(*model.APIKey) error { return nil })
	wantNotFound(t, "UpdateKey missing", err)

	must(t, e.s.DeleteKey(e.ctx, k0.SID))
	_, err = e.s.GetKey(e.ctx, k0.SID)
	wantNotFound(t, "GetKey after delete", err)
	wantNotFound(t, "DeleteKey again", e.s.DeleteKey(e.ctx, k0.SID))
	p, err = e.s.ListKeys(e.ctx, all())
	must(t, err)
	equal(t, "ListKeys after delete", sidsOf(p.Items, func(k model.APIKey) string { return k.SID }), sorted(keys[1].SID, keys[2].SID))
}

func testCredentials(t *testing.T, h Harness) {
	e := newEnv(t, h)
	var creds []*model.Credential
	for _, typ := range []string{"apn", "fcm"} {
		now := e.tick()
		c := &model.Credential{SID: model.NewSID(model.PrefixCredential), AccountSID: accountSID, FriendlyName: typ + " cred",
			Type: typ, Sandbox: "False", Secrets: []byte("sealed-" + typ), DateCreated: now, DateUpdated: now}
		must(t, e.s.CreateCredential(e.ctx, c))
		creds = append(creds, c)
	}
	for _, c := range creds {
		got, err := e.s.GetCredential(e.ctx, c.SID)
		must(t, err)
		equal(t, "GetCredential", got, c)
	}
	_, err := e.s.GetCredential(e.ctx, model.NewSID(model.PrefixCredential))
	wantNotFound(t, "GetCredential missing", err)
	p, err := e.s.ListCredentials(e.ctx, all())
	must(t, err)
	equal(t, "ListCredentials", sidsOf(p.Items, func(c model.Credential) string { return c.SID }), sorted(creds[0].SID, creds[1].SID))

	upd, err := e.s.UpdateCredential(e.ctx, creds[0].SID, func(c *model.Credential) error {
		c.FriendlyName, c.Sandbox, c.Secrets = "new", "True", []byte("resealed")
		c.Type, c.SID, c.AccountSID = "gcm", "CRxx", "ACxx"
		return nil
	})
	must(t, err)
	want := *creds[0]
	want.FriendlyName, want.Sandbox, want.Secrets = "new", "True", []byte("resealed")
	equal(t, "UpdateCredential keeps SID, account and type", upd, &want)
	got, err := e.s.GetCredential(e.ctx, creds[0].SID)
	must(t, err)
	equal(t, "GetCredential after update", got, &want)

	must(t, e.s.DeleteCredential(e.ctx, creds[0].SID))
	_, err = e.s.GetCredential(e.ctx, creds[0].SID)
	wantNotFound(t, "GetCredential after delete", err)
	wantNotFound(t, "DeleteCredential again", e.s.DeleteCredential(e.ctx, creds[0].SID))
	_, err = e.s.UpdateCredential(e.ctx, creds[0].SID, func(*model.Credential) error { return nil })
	wantNotFound(t, "UpdateCredential missing", err)
}

func testServices(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, roles1 := e.service()
	s2, _ := e.service()
	got, err := e.s.GetService(e.ctx, s1.SID)
	must(t, err)
	equal(t, "GetService", got, s1)
	_, err = e.s.GetService(e.ctx, model.NewSID(model.PrefixService))
	wantNotFound(t, "GetService missing", err)

	// The roles came with the service.
	rp, err := e.s.ListRoles(e.ctx, s1.SID, all())
	must(t, err)
	if len(rp.Items) != 4 {
		t.Fatalf("ListRoles of a new service: %d roles, want 4", len(rp.Items))
	}
	for _, r := range rp.Items {
		i := slices.IndexFunc(roles1, func(x model.Role) bool { return x.SID == r.SID })
		if i < 0 {
			t.Fatalf("ListRoles: unknown role %s", r.SID)
		}
		equal(t, "role of CreateService", &r, &roles1[i])
	}
	equal(t, "ListRoles order", sidsOf(rp.Items, func(r model.Role) string { return r.SID }),
		sorted(roles1[0].SID, roles1[1].SID, roles1[2].SID, roles1[3].SID))
	r0, err := e.s.GetRole(e.ctx, s1.SID, roles1[0].SID)
	must(t, err)
	equal(t, "GetRole of CreateService", r0, &roles1[0])

	p, err := e.s.ListServices(e.ctx, all())
	must(t, err)
	equal(t, "ListServices", sidsOf(p.Items, func(s model.Service) string { return s.SID }), sorted(s1.SID, s2.SID))

	upd, err := e.s.UpdateService(e.ctx, s1.SID, func(s *model.Service) error {
		s.FriendlyName, s.ReadStatusEnabled, s.PreWebhookURL = "renamed", true, "https://example.com/pre"
		s.Limits.ChannelMembers = 7
		s.SID, s.AccountSID = "ISxx", "ACxx"
		return nil
	})
	must(t, err)
	want := *s1
	want.FriendlyName, want.ReadStatusEnabled, want.PreWebhookURL = "renamed", true, "https://example.com/pre"
	want.Limits.ChannelMembers = 7
	equal(t, "UpdateService result", upd, &want)
	got, err = e.s.GetService(e.ctx, s1.SID)
	must(t, err)
	equal(t, "GetService after update", got, &want)
	_, err = e.s.UpdateService(e.ctx, model.NewSID(model.PrefixService), func(*model.Service) error { return nil })
	wantNotFound(t, "UpdateService missing", err)

	must(t, e.s.DeleteService(e.ctx, s2.SID))
	_, err = e.s.GetService(e.ctx, s2.SID)
	wantNotFound(t, "GetService after delete", err)
	wantNotFound(t, "DeleteService again", e.s.DeleteService(e.ctx, s2.SID))
	p, err = e.s.ListServices(e.ctx, all())
	must(t, err)
	equal(t, "ListServices after delete", sidsOf(p.Items, func(s model.Service) string { return s.SID }), []string{s1.SID})
}

func testRoles(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, roles1 := e.service()
	s2, _ := e.service()
	now := e.tick()
	r := &model.Role{SID: model.NewSID(model.PrefixRole), AccountSID: accountSID, ServiceSID: s1.SID, FriendlyName: "custom",
		Type: model.RoleChannel, Permissions: []string{model.PermSendMessage, model.PermLeaveChannel}, DateCreated: now, DateUpdated: now}
	must(t, e.s.CreateRole(e.ctx, r))
	got, err := e.s.GetRole(e.ctx, s1.SID, r.SID)
	must(t, err)
	equal(t, "GetRole", got, r)
	_, err = e.s.GetRole(e.ctx, s2.SID, r.SID)
	wantNotFound(t, "GetRole under another service", err)

	p, err := e.s.ListRoles(e.ctx, s1.SID, all())
	must(t, err)
	want := sorted(r.SID, roles1[0].SID, roles1[1].SID, roles1[2].SID, roles1[3].SID)
	equal(t, "ListRoles", sidsOf(p.Items, func(r model.Role) string { return r.SID }), want)
	p, err = e.s.ListRoles(e.ctx, s2.SID, all())
	must(t, err)
	if len(p.Items) != 4 || slices.ContainsFunc(p.Items, func(x model.Role) bool { return x.SID == r.SID }) {
		t.Fatalf("ListRoles of the other service: %d roles (want its 4, without %s)", len(p.Items), r.SID)
	}

	upd, err := e.s.UpdateRole(e.ctx, s1.SID, r.SID, func(x *model.Role) error {
		x.Permissions = []string{model.PermSendMessage}
		x.FriendlyName = "renamed"
		x.SID, x.ServiceSID, x.AccountSID = "RLxx", s2.SID, "ACxx"
		x.Type = model.RoleDeployment // a role's type never changes
		if r.Type == model.RoleDeployment {
			x.Type = model.RoleChannel
		}
		return nil
	})
	must(t, err)
	wantR := *r
	wantR.Permissions, wantR.FriendlyName = []string{model.PermSendMessage}, "renamed"
	equal(t, "UpdateRole result", upd, &wantR)
	got, err = e.s.GetRole(e.ctx, s1.SID, r.SID)
	must(t, err)
	equal(t, "GetRole after update", got, &wantR)
	_, err = e.s.UpdateRole(e.ctx, s2.SID, r.SID, func(*model.Role) error { return nil })
	wantNotFound(t, "UpdateRole under another service", err)

	wantNotFound(t, "DeleteRole under another service", e.s.DeleteRole(e.ctx, s2.SID, r.SID))
	must(t, e.s.DeleteRole(e.ctx, s1.SID, r.SID))
	_, err = e.s.GetRole(e.ctx, s1.SID, r.SID)
	wantNotFound(t, "GetRole after delete", err)
	wantNotFound(t, "DeleteRole again", e.s.DeleteRole(e.ctx, s1.SID, r.SID))

	// Users that hold a deleted role keep its SID.
	u := e.newUser(s1, "alice")
	u.RoleSID = roles1[0].SID
	must(t, e.s.CreateUser(e.ctx, u))
	must(t, e.s.DeleteRole(e.ctx, s1.SID, roles1[0].SID))
	equal(t, "user's role after DeleteRole", e.getUser(u).RoleSID, roles1[0].SID)
}
