package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	twclient "github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
	chat "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// accountTwilioCode returns the Twilio status and code of a twilio-go error.
func accountTwilioCode(t *testing.T, err error) (int, int) {
	t.Helper()
	var te *twclient.TwilioRestError
	if !errors.As(err, &te) {
		t.Fatalf("want a Twilio REST error, got %v", err)
	}
	return te.Status, te.Code
}

// accountWantCode asserts that err is a Twilio error with status and code.
func accountWantCode(t *testing.T, err error, status, code int) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %d/%d, got success", status, code)
	}
	if st, c := accountTwilioCode(t, err); st != status || c != code {
		t.Fatalf("got %d/%d, want %d/%d (%v)", st, c, status, code, err)
	}
}

// accountOrder returns sids in list order. Lists are in SID order, which is
// creation order except between SIDs minted in the same millisecond.
func accountOrder(sids ...string) []string {
	return slices.Sorted(slices.Values(sids))
}

func accountStr(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// accountService creates a service through twilio-go.
func accountService(t *testing.T, ts *testServer, name string) *chat.ChatV2Service {
	t.Helper()
	svc, err := ts.Twilio.ChatV2.CreateService((&chat.CreateServiceParams{}).SetFriendlyName(name))
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	return svc
}

// accountRolesByName lists a service's roles keyed by friendly name.
func accountRolesByName(t *testing.T, ts *testServer, serviceSID string) map[string]chat.ChatV2Role {
	t.Helper()
	roles, err := ts.Twilio.ChatV2.ListRole(serviceSID, nil)
	if err != nil {
		t.Fatalf("list roles: %v", err)
	}
	out := map[string]chat.ChatV2Role{}
	for _, r := range roles {
		out[*r.FriendlyName] = r
	}
	return out
}

func TestAccountServiceLifecycle(t *testing.T) {
	ts := startTestServer(t)
	svc := accountService(t, ts, "support")
	if !model.IsSID(model.PrefixService, *svc.Sid) || *svc.FriendlyName != "support" || *svc.AccountSid != testAccountSID {
		t.Fatalf("created service: %+v", svc)
	}
	if !*svc.ReadStatusEnabled || *svc.ReachabilityEnabled || svc.TypingIndicatorTimeout != 5 ||
		svc.ConsumptionReportInterval != 10 || *svc.WebhookMethod != "POST" || len(*svc.WebhookFilters) != 0 ||
		svc.PreWebhookUrl != nil || svc.PostWebhookUrl != nil || svc.PreWebhookRetryCount != 0 {
		t.Errorf("service defaults: %+v", svc)
	}
	limits := (*svc.Limits).(map[string]any)
	if limits["channel_members"] != float64(100) || limits["user_channels"] != float64(250) {
		t.Errorf("limits = %v", limits)
	}
	media := (*svc.Media).(map[string]any)
	if media["size_limit_mb"] != float64(150) || media["compatibility_message"] == "" {
		t.Errorf("media = %v", media)
	}
	notif := (*svc.Notifications).(map[string]any)
	if nm := notif["new_message"].(map[string]any); nm["enabled"] != false || nm["badge_count_enabled"] != false {
		t.Errorf("notifications = %v", notif)
	}
	base := ts.BaseURL + "/v2/Services/" + *svc.Sid
	if *svc.Url != base || (*svc.Links)["roles"] != base+"/Roles" || (*svc.Links)["bindings"] != base+"/Bindings" ||
		(*svc.Links)["users"] != base+"/Users" || (*svc.Links)["channels"] != base+"/Channels" {
		t.Errorf("url/links: %s %v", *svc.Url, *svc.Links)
	}

	// The four default roles exist and are wired to the default_* fields.
	roles := accountRolesByName(t, ts, *svc.Sid)
	if len(roles) != 4 {
		t.Fatalf("want 4 default roles, got %v", roles)
	}
	if *roles["service user"].Sid != *svc.DefaultServiceRoleSid || *roles["channel user"].Sid != *svc.DefaultChannelRoleSid ||
		*roles["channel admin"].Sid != *svc.DefaultChannelCreatorRoleSid {
		t.Errorf("default roles not wired: %+v vs %v", svc, roles)
	}
	if *roles["service admin"].Type != "deployment" || *roles["channel user"].Type != "channel" {
		t.Errorf("role types: %v", roles)
	}

	got, err := ts.Twilio.ChatV2.FetchService(*svc.Sid)
	if err != nil || *got.FriendlyName != "support" || *got.DefaultServiceRoleSid != *svc.DefaultServiceRoleSid {
		t.Fatalf("fetch service: %+v %v", got, err)
	}

	// Update every parameter.
	p := (&chat.UpdateServiceParams{}).SetFriendlyName("support 2").
		SetDefaultServiceRoleSid(*roles["service admin"].Sid).
		SetDefaultChannelRoleSid(*roles["channel admin"].Sid).
		SetDefaultChannelCreatorRoleSid(*roles["channel user"].Sid).
		SetReadStatusEnabled(false).SetReachabilityEnabled(true).
		SetTypingIndicatorTimeout(9).SetConsumptionReportInterval(20).
		SetNotificationsNewMessageEnabled(true).SetNotificationsNewMessageTemplate("${USER}: ${MESSAGE}").
		SetNotificationsNewMessageSound("ding").SetNotificationsNewMessageBadgeCountEnabled(true).
		SetNotificationsAddedToChannelEnabled(true).SetNotificationsAddedToChannelTemplate("added").
		SetNotificationsAddedToChannelSound("a").
		SetNotificationsRemovedFromChannelEnabled(true).SetNotificationsRemovedFromChannelTemplate("removed").
		SetNotificationsRemovedFromChannelSound("r").
		SetNotificationsInvitedToChannelEnabled(true).SetNotificationsInvitedToChannelTemplate("invited").
		SetNotificationsInvitedToChannelSound("i").SetNotificationsLogEnabled(true).
		SetPreWebhookUrl("https://hooks.example.com/pre").SetPostWebhookUrl("http://hooks.example.com/post").
		SetWebhookMethod("GET").SetWebhookFilters([]string{"onMessageSend", "onUserAdded"}).
		SetLimitsChannelMembers(1000).SetLimitsUserChannels(7).
		SetMediaCompatibilityMessage("no media here").
		SetPreWebhookRetryCount(3).SetPostWebhookRetryCount(1)
	up, err := ts.Twilio.ChatV2.UpdateService(*svc.Sid, p)
	if err != nil {
		t.Fatalf("update service: %v", err)
	}
	if *up.FriendlyName != "support 2" || *up.DefaultServiceRoleSid != *roles["service admin"].Sid ||
		*up.DefaultChannelRoleSid != *roles["channel admin"].Sid ||
		*up.DefaultChannelCreatorRoleSid != *roles["channel user"].Sid || *up.ReadStatusEnabled ||
		!*up.ReachabilityEnabled || up.TypingIndicatorTimeout != 9 || up.ConsumptionReportInterval != 20 ||
		accountStr(up.PreWebhookUrl) != "https://hooks.example.com/pre" ||
		accountStr(up.PostWebhookUrl) != "http://hooks.example.com/post" || *up.WebhookMethod != "GET" ||
		!slices.Equal(*up.WebhookFilters, []string{"onMessageSend", "onUserAdded"}) ||
		up.PreWebhookRetryCount != 3 || up.PostWebhookRetryCount != 1 {
		t.Errorf("updated service: %+v", up)
	}
	limits = (*up.Limits).(map[string]any)
	media = (*up.Media).(map[string]any)
	notif = (*up.Notifications).(map[string]any)
	nm := notif["new_message"].(map[string]any)
	inv := notif["invited_to_channel"].(map[string]any)
	if limits["channel_members"] != float64(1000) || limits["user_channels"] != float64(7) ||
		media["compatibility_message"] != "no media here" || nm["enabled"] != true || nm["template"] != "${USER}: ${MESSAGE}" ||
		nm["sound"] != "ding" || nm["badge_count_enabled"] != true || inv["template"] != "invited" ||
		notif["log_enabled"] != true || notif["removed_from_channel"].(map[string]any)["sound"] != "r" ||
		notif["added_to_channel"].(map[string]any)["enabled"] != true {
		t.Errorf("updated nested: %v %v %v", limits, media, notif)
	}
	if !up.DateUpdated.After(*up.DateCreated) && !up.DateUpdated.Equal(*up.DateCreated) {
		t.Errorf("dates: %v %v", up.DateCreated, up.DateUpdated)
	}

	// A partial update changes only what it names; clearing URLs and filters.
	up, err = ts.Twilio.ChatV2.UpdateService(*svc.Sid, (&chat.UpdateServiceParams{}).SetTypingIndicatorTimeout(6).
		SetPreWebhookUrl("").SetWebhookFilters([]string{""}))
	if err != nil {
		t.Fatalf("partial update: %v", err)
	}
	if up.TypingIndicatorTimeout != 6 || *up.FriendlyName != "support 2" || up.PreWebhookUrl != nil ||
		accountStr(up.PostWebhookUrl) != "http://hooks.example.com/post" || len(*up.WebhookFilters) != 0 ||
		up.ConsumptionReportInterval != 20 {
		t.Errorf("partial update: %+v", up)
	}

	if err := ts.Twilio.ChatV2.DeleteService(*svc.Sid); err != nil {
		t.Fatalf("delete service: %v", err)
	}
	_, err = ts.Twilio.ChatV2.FetchService(*svc.Sid)
	accountWantCode(t, err, 404, 20404)
	err = ts.Twilio.ChatV2.DeleteService(*svc.Sid)
	accountWantCode(t, err, 404, 20404)
	// The cascade took the roles with it.
	_, err = ts.Twilio.ChatV2.ListRole(*svc.Sid, nil)
	accountWantCode(t, err, 404, 20404)
}

func TestAccountServicePaging(t *testing.T) {
	ts := startTestServer(t)
	var want []string
	for i := range 7 {
		want = append(want, *accountService(t, ts, "svc "+string(rune('a'+i))).Sid)
	}
	got, err := ts.Twilio.ChatV2.ListService((&chat.ListServiceParams{}).SetPageSize(2))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var sids []string
	for _, s := range got {
		sids = append(sids, *s.Sid)
	}
	want = accountOrder(want...)
	if !slices.Equal(sids, want) {
		t.Fatalf("paged list = %v, want %v", sids, want)
	}
	// A limit stops early, across pages.
	got, err = ts.Twilio.ChatV2.ListService((&chat.ListServiceParams{}).SetPageSize(3).SetLimit(5))
	if err != nil || len(got) != 5 || *got[4].Sid != want[4] {
		t.Fatalf("limited list = %d %v", len(got), err)
	}
	// Raw paging: next_page_url carries the token and previous_page_url goes back.
	st, body := ts.do(http.MethodGet, "/v2/Services?PageSize=3", nil)
	var page struct {
		Meta struct {
			NextPageURL     *string `json:"next_page_url"`
			PreviousPageURL *string `json:"previous_page_url"`
			Key             string  `json:"key"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &page); err != nil || st != 200 || page.Meta.Key != "services" ||
		page.Meta.PreviousPageURL != nil || page.Meta.NextPageURL == nil ||
		*page.Meta.NextPageURL != ts.BaseURL+"/v2/Services?PageSize=3&Page=1&PageToken=PA"+want[2] {
		t.Errorf("first page: %d %s", st, body)
	}
}

func TestAccountRoles(t *testing.T) {
	ts := startTestServer(t)
	svc := accountService(t, ts, "roles")
	r, err := ts.Twilio.ChatV2.CreateRole(*svc.Sid, (&chat.CreateRoleParams{}).SetFriendlyName("moderator").
		SetType("channel").SetPermission([]string{"sendMessage", "deleteAnyMessage", "sendMessage"}))
	if err != nil {
		t.Fatalf("create role: %v", err)
	}
	if !model.IsSID(model.PrefixRole, *r.Sid) || *r.FriendlyName != "moderator" || *r.Type != "channel" ||
		!slices.Equal(*r.Permissions, []string{"sendMessage", "deleteAnyMessage"}) || *r.ServiceSid != *svc.Sid ||
		*r.Url != ts.BaseURL+"/v2/Services/"+*svc.Sid+"/Roles/"+*r.Sid {
		t.Errorf("created role: %+v", r)
	}
	got, err := ts.Twilio.ChatV2.FetchRole(*svc.Sid, *r.Sid)
	if err != nil || *got.FriendlyName != "moderator" {
		t.Fatalf("fetch role: %+v %v", got, err)
	}
	up, err := ts.Twilio.ChatV2.UpdateRole(*svc.Sid, *r.Sid, (&chat.UpdateRoleParams{}).SetPermission([]string{"leaveChannel"}))
	if err != nil || !slices.Equal(*up.Permissions, []string{"leaveChannel"}) || *up.FriendlyName != "moderator" {
		t.Fatalf("update role: %+v %v", up, err)
	}
	dep, err := ts.Twilio.ChatV2.CreateRole(*svc.Sid, (&chat.CreateRoleParams{}).SetFriendlyName("creator").
		SetType("deployment").SetPermission([]string{"createChannel"}))
	if err != nil || *dep.Type != "deployment" {
		t.Fatalf("create deployment role: %v", err)
	}
	// Paging over the 4 defaults and the 2 new roles, in creation order.
	all, err := ts.Twilio.ChatV2.ListRole(*svc.Sid, (&chat.ListRoleParams{}).SetPageSize(4))
	if err != nil || len(all) != 6 {
		t.Fatalf("list roles: %d %v", len(all), err)
	}
	var rsids []string
	for _, x := range all {
		rsids = append(rsids, *x.Sid)
	}
	if !slices.IsSorted(rsids) || len(slices.Compact(slices.Clone(rsids))) != 6 || !slices.Contains(rsids, *r.Sid) ||
		!slices.Contains(rsids, *dep.Sid) {
		t.Errorf("roles not in order or duplicated: %v", rsids)
	}
	// Default roles cannot be deleted; others can.
	err = ts.Twilio.ChatV2.DeleteRole(*svc.Sid, *svc.DefaultChannelRoleSid)
	accountWantCode(t, err, 400, 20001)
	if err := ts.Twilio.ChatV2.DeleteRole(*svc.Sid, *r.Sid); err != nil {
		t.Fatalf("delete role: %v", err)
	}
	_, err = ts.Twilio.ChatV2.FetchRole(*svc.Sid, *r.Sid)
	accountWantCode(t, err, 404, 20404)
	// A role of another service is not found.
	other := accountService(t, ts, "other")
	_, err = ts.Twilio.ChatV2.FetchRole(*other.Sid, *dep.Sid)
	accountWantCode(t, err, 404, 20404)
}

func TestAccountUsers(t *testing.T) {
	ts := startTestServer(t)
	svc := accountService(t, ts, "users")
	roles := accountRolesByName(t, ts, *svc.Sid)
	u, err := ts.Twilio.ChatV2.CreateUser(*svc.Sid, (&chat.CreateUserParams{}).SetIdentity("alice@example.com").
		SetAttributes(`{"team":"blue"}`).SetFriendlyName("Alice"))
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	if !model.IsSID(model.PrefixUser, *u.Sid) || *u.Identity != "alice@example.com" || *u.Attributes != `{"team":"blue"}` ||
		accountStr(u.FriendlyName) != "Alice" || *u.RoleSid != *svc.DefaultServiceRoleSid || u.IsOnline != nil ||
		u.IsNotifiable != nil || u.JoinedChannelsCount != 0 {
		t.Errorf("created user: %+v", u)
	}
	uurl := ts.BaseURL + "/v2/Services/" + *svc.Sid + "/Users/" + *u.Sid
	if *u.Url != uurl || (*u.Links)["user_channels"] != uurl+"/Channels" || (*u.Links)["user_bindings"] != uurl+"/Bindings" {
		t.Errorf("user links: %s %v", *u.Url, *u.Links)
	}
	bob, err := ts.Twilio.ChatV2.CreateUser(*svc.Sid, (&chat.CreateUserParams{}).SetIdentity("bob").
		SetRoleSid(*roles["service admin"].Sid))
	if err != nil || *bob.RoleSid != *roles["service admin"].Sid || *bob.Attributes != "{}" || bob.FriendlyName != nil {
		t.Fatalf("create bob: %+v %v", bob, err)
	}
	_, err = ts.Twilio.ChatV2.CreateUser(*svc.Sid, (&chat.CreateUserParams{}).SetIdentity("bob"))
	accountWantCode(t, err, 409, 50201)

	// Fetch by SID and by identity.
	for _, key := range []string{*u.Sid, "alice@example.com"} {
		got, err := ts.Twilio.ChatV2.FetchUser(*svc.Sid, key)
		if err != nil || *got.Sid != *u.Sid {
			t.Fatalf("fetch user %s: %+v %v", key, got, err)
		}
	}
	_, err = ts.Twilio.ChatV2.FetchUser(*svc.Sid, "nobody")
	accountWantCode(t, err, 404, 20404)

	// Update by identity; an empty FriendlyName clears it.
	up, err := ts.Twilio.ChatV2.UpdateUser(*svc.Sid, "alice@example.com", (&chat.UpdateUserParams{}).
		SetRoleSid(*roles["service admin"].Sid).SetAttributes(`{"team":"red"}`).SetFriendlyName(""))
	if err != nil || *up.RoleSid != *roles["service admin"].Sid || *up.Attributes != `{"team":"red"}` || up.FriendlyName != nil {
		t.Fatalf("update user: %+v %v", up, err)
	}
	up, err = ts.Twilio.ChatV2.UpdateUser(*svc.Sid, *u.Sid, (&chat.UpdateUserParams{}).SetFriendlyName("Al"))
	if err != nil || accountStr(up.FriendlyName) != "Al" || *up.Attributes != `{"team":"red"}` {
		t.Fatalf("partial update user: %+v %v", up, err)
	}

	// Paging.
	want := []string{*u.Sid, *bob.Sid}
	for i := range 5 {
		x, err := ts.Twilio.ChatV2.CreateUser(*svc.Sid, (&chat.CreateUserParams{}).SetIdentity("user"+string(rune('0'+i))))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *x.Sid)
	}
	list, err := ts.Twilio.ChatV2.ListUser(*svc.Sid, (&chat.ListUserParams{}).SetPageSize(3))
	if err != nil {
		t.Fatalf("list users: %v", err)
	}
	var sids []string
	for _, x := range list {
		sids = append(sids, *x.Sid)
		if x.IsOnline != nil {
			t.Errorf("list is_online = %v", *x.IsOnline)
		}
	}
	if want = accountOrder(want...); !slices.Equal(sids, want) {
		t.Errorf("users = %v, want %v", sids, want)
	}

	// Delete by identity.
	if err := ts.Twilio.ChatV2.DeleteUser(*svc.Sid, "bob"); err != nil {
		t.Fatalf("delete user: %v", err)
	}
	_, err = ts.Twilio.ChatV2.FetchUser(*svc.Sid, *bob.Sid)
	accountWantCode(t, err, 404, 20404)
	// The identity is free again.
	if _, err := ts.Twilio.ChatV2.CreateUser(*svc.Sid, (&chat.CreateUserParams{}).SetIdentity("bob")); err != nil {
		t.Errorf("re-create bob: %v", err)
	}
}

func TestAccountCredentials(t *testing.T) {
	ts := startTestServer(t)
	cr, err := ts.Twilio.ChatV2.CreateCredential((&chat.CreateCredentialParams{}).SetType("apn").
		SetFriendlyName("ios").SetCertificate("-----BEGIN CERTIFICATE-----\nMIIF\n-----END CERTIFICATE-----").
		SetPrivateKey("TOPSECRETKEY").SetSandbox(true))
	if err != nil {
		t.Fatalf("create credential: %v", err)
	}
	if !model.IsSID(model.PrefixCredential, *cr.Sid) || *cr.Type != "apn" || accountStr(cr.FriendlyName) != "ios" ||
		accountStr(cr.Sandbox) != "True" || *cr.AccountSid != testAccountSID || *cr.Url != ts.BaseURL+"/v2/Credentials/"+*cr.Sid {
		t.Errorf("created credential: %+v", cr)
	}
	fcm, err := ts.Twilio.ChatV2.CreateCredential((&chat.CreateCredentialParams{}).SetType("fcm").SetSecret("FCMSECRET"))
	if err != nil || fcm.FriendlyName != nil || fcm.Sandbox != nil || *fcm.Type != "fcm" {
		t.Fatalf("create fcm: %+v %v", fcm, err)
	}
	// Secrets never come back, on fetch or list.
	for _, path := range []string{"/v2/Credentials/" + *cr.Sid, "/v2/Credentials"} {
		st, body := ts.do(http.MethodGet, path, nil)
		if st != 200 || strings.Contains(string(body), "TOPSECRETKEY") || strings.Contains(string(body), "FCMSECRET") ||
			strings.Contains(string(body), "CERTIFICATE") {
			t.Errorf("GET %s leaks secrets: %s", path, body)
		}
	}
	got, err := ts.Twilio.ChatV2.FetchCredential(*cr.Sid)
	if err != nil || accountStr(got.FriendlyName) != "ios" {
		t.Fatalf("fetch credential: %v", err)
	}
	up, err := ts.Twilio.ChatV2.UpdateCredential(*cr.Sid, (&chat.UpdateCredentialParams{}).SetFriendlyName("ios prod").
		SetSandbox(false).SetPrivateKey("OTHERKEY"))
	if err != nil || accountStr(up.FriendlyName) != "ios prod" || accountStr(up.Sandbox) != "False" || *up.Type != "apn" {
		t.Fatalf("update credential: %+v %v", up, err)
	}
	for range 4 {
		if _, err := ts.Twilio.ChatV2.CreateCredential((&chat.CreateCredentialParams{}).SetType("gcm").SetApiKey("k")); err != nil {
			t.Fatal(err)
		}
	}
	list, err := ts.Twilio.ChatV2.ListCredential((&chat.ListCredentialParams{}).SetPageSize(2))
	var csids []string
	for _, x := range list {
		csids = append(csids, *x.Sid)
	}
	if err != nil || len(list) != 6 || !slices.IsSorted(csids) || len(slices.Compact(slices.Clone(csids))) != 6 ||
		!slices.Contains(csids, *cr.Sid) || !slices.Contains(csids, *fcm.Sid) {
		t.Fatalf("list credentials: %v %v", csids, err)
	}
	if err := ts.Twilio.ChatV2.DeleteCredential(*cr.Sid); err != nil {
		t.Fatalf("delete credential: %v", err)
	}
	_, err = ts.Twilio.ChatV2.FetchCredential(*cr.Sid)
	accountWantCode(t, err, 404, 20404)
}

func TestAccountBindings(t *testing.T) {
	ts := startTestServer(t)
	ctx := context.Background()
	svc := accountService(t, ts, "push")
	cr, err := ts.Twilio.ChatV2.CreateCredential((&chat.CreateCredentialParams{}).SetType("fcm").SetSecret("s"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"alice", "bob"} {
		if _, err := ts.Twilio.ChatV2.CreateUser(*svc.Sid, (&chat.CreateUserParams{}).SetIdentity(id)); err != nil {
			t.Fatal(err)
		}
	}
	// Bindings are created by push registration; tests go through core.
	a := core.API(false)
	mk := func(user, typ, endpoint string) *model.Binding {
		b, err := ts.srv.core.CreateBinding(ctx, a, *svc.Sid, user, core.BindingCreate{Endpoint: endpoint,
			BindingType: typ, CredentialSID: *cr.Sid})
		if err != nil {
			t.Fatalf("create binding: %v", err)
		}
		return b
	}
	a1 := mk("alice", "apn", "alice-phone")
	a2 := mk("alice", "fcm", "alice-tablet")
	b1 := mk("bob", "fcm", "bob-phone")
	a3 := mk("alice", "gcm", "alice-old")

	all, err := ts.Twilio.ChatV2.ListBinding(*svc.Sid, (&chat.ListBindingParams{}).SetPageSize(1))
	var got []string
	for _, b := range all {
		got = append(got, *b.Sid)
	}
	if want := accountOrder(a1.SID, a2.SID, b1.SID, a3.SID); err != nil || !slices.Equal(got, want) {
		t.Fatalf("list bindings: %v %v, want %v", got, err, want)
	}
	first := all[slices.Index(got, a1.SID)]
	if *first.Identity != "alice" || *first.Endpoint != "alice-phone" || *first.BindingType != "apn" ||
		*first.CredentialSid != *cr.Sid || len(*first.MessageTypes) != 4 ||
		(*first.Links)["user"] != ts.BaseURL+"/v2/Services/"+*svc.Sid+"/Users/alice" ||
		*first.Url != ts.BaseURL+"/v2/Services/"+*svc.Sid+"/Bindings/"+a1.SID {
		t.Errorf("binding: %+v", first)
	}
	byType, err := ts.Twilio.ChatV2.ListBinding(*svc.Sid, (&chat.ListBindingParams{}).SetBindingType([]string{"fcm"}))
	if err != nil || len(byType) != 2 || *byType[0].Sid != accountOrder(a2.SID, b1.SID)[0] ||
		*byType[1].Sid != accountOrder(a2.SID, b1.SID)[1] {
		t.Errorf("filter by type: %d %v", len(byType), err)
	}
	byID, err := ts.Twilio.ChatV2.ListBinding(*svc.Sid, (&chat.ListBindingParams{}).SetIdentity([]string{"bob"}).
		SetBindingType([]string{"fcm", "apn"}))
	if err != nil || len(byID) != 1 || *byID[0].Sid != b1.SID {
		t.Errorf("filter by identity: %d %v", len(byID), err)
	}
	both, err := ts.Twilio.ChatV2.ListBinding(*svc.Sid, (&chat.ListBindingParams{}).SetIdentity([]string{"bob", "alice"}).SetPageSize(2))
	if err != nil || len(both) != 4 {
		t.Errorf("two identities: %d %v", len(both), err)
	}
	// Filters survive paging.
	st, body := ts.do(http.MethodGet, "/v2/Services/"+*svc.Sid+"/Bindings?BindingType=fcm&PageSize=1", nil)
	if st != 200 || !strings.Contains(string(body), `BindingType=fcm&PageSize=1&Page=1&PageToken=PABS`) {
		t.Errorf("filtered next page: %s", body)
	}

	ub, err := ts.Twilio.ChatV2.ListUserBinding(*svc.Sid, "alice", (&chat.ListUserBindingParams{}).SetPageSize(2))
	if err != nil || len(ub) != 3 || *ub[0].Sid != accountOrder(a1.SID, a2.SID, a3.SID)[0] ||
		*ub[2].Sid != accountOrder(a1.SID, a2.SID, a3.SID)[2] || *ub[0].UserSid != a1.UserSID {
		t.Fatalf("user bindings: %d %v", len(ub), err)
	}
	ub, err = ts.Twilio.ChatV2.ListUserBinding(*svc.Sid, a1.UserSID, (&chat.ListUserBindingParams{}).SetBindingType([]string{"gcm"}))
	if err != nil || len(ub) != 1 || *ub[0].Sid != a3.SID {
		t.Fatalf("user bindings by type: %d %v", len(ub), err)
	}
	fb, err := ts.Twilio.ChatV2.FetchBinding(*svc.Sid, b1.SID)
	if err != nil || *fb.Identity != "bob" {
		t.Fatalf("fetch binding: %v", err)
	}
	fub, err := ts.Twilio.ChatV2.FetchUserBinding(*svc.Sid, "alice", a2.SID)
	if err != nil || *fub.Endpoint != "alice-tablet" || *fub.Url != ts.BaseURL+"/v2/Services/"+*svc.Sid+"/Users/"+a2.UserSID+"/Bindings/"+a2.SID {
		t.Fatalf("fetch user binding: %+v %v", fub, err)
	}
	// Another user's binding is not found under this user.
	_, err = ts.Twilio.ChatV2.FetchUserBinding(*svc.Sid, "alice", b1.SID)
	accountWantCode(t, err, 404, 20404)
	err = ts.Twilio.ChatV2.DeleteUserBinding(*svc.Sid, "bob", a1.SID)
	accountWantCode(t, err, 404, 20404)

	if err := ts.Twilio.ChatV2.DeleteUserBinding(*svc.Sid, "alice", a2.SID); err != nil {
		t.Fatalf("delete user binding: %v", err)
	}
	if err := ts.Twilio.ChatV2.DeleteBinding(*svc.Sid, b1.SID); err != nil {
		t.Fatalf("delete binding: %v", err)
	}
	_, err = ts.Twilio.ChatV2.FetchBinding(*svc.Sid, b1.SID)
	accountWantCode(t, err, 404, 20404)
	left, err := ts.Twilio.ChatV2.ListBinding(*svc.Sid, nil)
	if err != nil || len(left) != 2 {
		t.Fatalf("after deletes: %d %v", len(left), err)
	}
	// Deleting a user deletes its bindings.
	if err := ts.Twilio.ChatV2.DeleteUser(*svc.Sid, "alice"); err != nil {
		t.Fatal(err)
	}
	left, err = ts.Twilio.ChatV2.ListBinding(*svc.Sid, nil)
	if err != nil || len(left) != 0 {
		t.Fatalf("after user delete: %d %v", len(left), err)
	}
}

func TestAccountKeys(t *testing.T) {
	ts := startTestServer(t)
	k, err := ts.Twilio.Api.CreateNewKey((&api.CreateNewKeyParams{}).SetFriendlyName("backend"))
	if err != nil {
		t.Fatalf("create key: %v", err)
	}
	if !model.IsSID(model.PrefixKey, *k.Sid) || *k.FriendlyName != "backend" || k.Secret == nil || len(*k.Secret) < 32 ||
		!strings.HasSuffix(*k.DateCreated, "+0000") {
		t.Fatalf("new key: %+v", k)
	}
	got, err := ts.Twilio.Api.FetchKey(*k.Sid, nil)
	if err != nil || *got.Sid != *k.Sid || *got.FriendlyName != "backend" || *got.DateCreated != *k.DateCreated {
		t.Fatalf("fetch key: %+v %v", got, err)
	}
	up, err := ts.Twilio.Api.UpdateKey(*k.Sid, (&api.UpdateKeyParams{}).SetFriendlyName("renamed"))
	if err != nil || *up.FriendlyName != "renamed" {
		t.Fatalf("update key: %+v %v", up, err)
	}
	want := []string{*k.Sid}
	for range 4 {
		x, err := ts.Twilio.Api.CreateNewKey(&api.CreateNewKeyParams{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *x.Sid)
	}
	list, err := ts.Twilio.Api.ListKey((&api.ListKeyParams{}).SetPageSize(2))
	if err != nil {
		t.Fatalf("list keys: %v", err)
	}
	var sids []string
	for _, x := range list {
		sids = append(sids, *x.Sid)
	}
	if !slices.Equal(sids, accountOrder(want...)) {
		t.Errorf("keys = %v, want %v", sids, want)
	}

	// The new key authenticates Chat v2 calls.
	kc := ts.twilioClient(*k.Sid, *k.Secret)
	if _, err := kc.ChatV2.CreateService((&chat.CreateServiceParams{}).SetFriendlyName("via key")); err != nil {
		t.Fatalf("call with key: %v", err)
	}
	if err := ts.Twilio.Api.DeleteKey(*k.Sid, nil); err != nil {
		t.Fatalf("delete key: %v", err)
	}
	_, err = kc.ChatV2.ListService(nil)
	accountWantCode(t, err, 401, 20003)
	_, err = ts.Twilio.Api.FetchKey(*k.Sid, nil)
	accountWantCode(t, err, 404, 20404)

	// Another account's path is not found.
	other := "AC" + strings.Repeat("f", 32)
	_, err = ts.Twilio.Api.CreateNewKey((&api.CreateNewKeyParams{}).SetPathAccountSid(other))
	accountWantCode(t, err, 404, 20404)
	_, err = ts.Twilio.Api.FetchKey(want[1], (&api.FetchKeyParams{}).SetPathAccountSid(other))
	accountWantCode(t, err, 404, 20404)
	// Without the .json suffix there is no such resource.
	st, _ := ts.do(http.MethodGet, "/2010-04-01/Accounts/"+testAccountSID+"/Keys/"+want[1], url.Values{})
	if st != 404 {
		t.Errorf("no .json: %d", st)
	}
}
