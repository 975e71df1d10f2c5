package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	chat "github.com/twilio/twilio-go/rest/chat/v2"
)

// accountBadRow is one bad request and the error it must give.
type accountBadRow struct {
	name   string
	method string
	path   string
	form   url.Values
	status int
	code   int
}

// accountForm builds url.Values from key, value pairs.
func accountForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// accountSnapshot returns the bodies of GETs, to compare before and after
// bad writes.
func accountSnapshot(t *testing.T, ts *testServer, paths ...string) []string {
	t.Helper()
	var out []string
	for _, p := range paths {
		st, body := ts.do(http.MethodGet, p, nil)
		if st != 200 {
			t.Fatalf("GET %s: %d %s", p, st, body)
		}
		out = append(out, string(body))
	}
	return out
}

func accountRunBad(t *testing.T, ts *testServer, rows []accountBadRow, snapshot ...string) {
	t.Helper()
	before := accountSnapshot(t, ts, snapshot...)
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			ts.wantError(r.method, r.path, r.form, r.status, r.code)
		})
	}
	after := accountSnapshot(t, ts, snapshot...)
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("bad requests changed %s:\nbefore %s\nafter  %s", snapshot[i], before[i], after[i])
		}
	}
}

func TestAccountBadInput(t *testing.T) {
	ts := startTestServer(t)
	svc := accountService(t, ts, "bad input")
	roles := accountRolesByName(t, ts, *svc.Sid)
	chanRole, depRole := *roles["channel user"].Sid, *roles["service user"].Sid
	custom, err := ts.Twilio.ChatV2.CreateRole(*svc.Sid, (&chat.CreateRoleParams{}).SetFriendlyName("custom").
		SetType("channel").SetPermission([]string{"sendMessage"}))
	if err != nil {
		t.Fatal(err)
	}
	user, err := ts.Twilio.ChatV2.CreateUser(*svc.Sid, (&chat.CreateUserParams{}).SetIdentity("alice"))
	if err != nil {
		t.Fatal(err)
	}
	cred, err := ts.Twilio.ChatV2.CreateCredential((&chat.CreateCredentialParams{}).SetType("apn").SetFriendlyName("c"))
	if err != nil {
		t.Fatal(err)
	}
	S := "/v2/Services/" + *svc.Sid
	unknownRole := "RL" + strings.Repeat("0", 32)
	long := func(n int) string { return strings.Repeat("x", n) }
	userSIDLike := "US" + strings.Repeat("a", 32)
	POST, GET, DELETE := http.MethodPost, http.MethodGet, http.MethodDelete
	f := accountForm

	t.Run("services", func(t *testing.T) {
		rows := []accountBadRow{
			{"create no FriendlyName", POST, "/v2/Services", nil, 400, 50000},
			{"create empty FriendlyName", POST, "/v2/Services", f("FriendlyName", ""), 400, 50000},
			{"create long FriendlyName", POST, "/v2/Services", f("FriendlyName", long(257)), 400, 50003},
			{"update nothing", POST, S, nil, 400, 20161},
			{"update empty FriendlyName", POST, S, f("FriendlyName", ""), 400, 50000},
			{"update long FriendlyName", POST, S, f("FriendlyName", long(257)), 400, 50003},
			{"service role is channel role", POST, S, f("DefaultServiceRoleSid", chanRole), 400, 50102},
			{"service role unknown", POST, S, f("DefaultServiceRoleSid", unknownRole), 400, 50102},
			{"service role garbage", POST, S, f("DefaultServiceRoleSid", "admin"), 400, 50102},
			{"channel role is deployment role", POST, S, f("DefaultChannelRoleSid", depRole), 400, 50101},
			{"channel role unknown", POST, S, f("DefaultChannelRoleSid", unknownRole), 400, 50101},
			{"creator role is deployment role", POST, S, f("DefaultChannelCreatorRoleSid", depRole), 400, 50106},
			{"creator role unknown", POST, S, f("DefaultChannelCreatorRoleSid", unknownRole), 400, 50106},
			{"ReadStatusEnabled not bool", POST, S, f("ReadStatusEnabled", "maybe"), 400, 20001},
			{"ReachabilityEnabled not bool", POST, S, f("ReachabilityEnabled", "2"), 400, 20001},
			{"TypingIndicatorTimeout not int", POST, S, f("TypingIndicatorTimeout", "five"), 400, 20001},
			{"TypingIndicatorTimeout 0", POST, S, f("TypingIndicatorTimeout", "0"), 400, 50053},
			{"TypingIndicatorTimeout huge", POST, S, f("TypingIndicatorTimeout", "601"), 400, 50053},
			{"ConsumptionReportInterval not int", POST, S, f("ConsumptionReportInterval", "1.5"), 400, 20001},
			{"ConsumptionReportInterval 0", POST, S, f("ConsumptionReportInterval", "0"), 400, 50052},
			{"NewMessage.Enabled not bool", POST, S, f("Notifications.NewMessage.Enabled", "yes please"), 400, 20001},
			{"NewMessage.Template long", POST, S, f("Notifications.NewMessage.Template", long(1025)), 400, 50058},
			{"NewMessage.Sound long", POST, S, f("Notifications.NewMessage.Sound", long(257)), 400, 50059},
			{"NewMessage.BadgeCountEnabled not bool", POST, S, f("Notifications.NewMessage.BadgeCountEnabled", "x"), 400, 20001},
			{"AddedToChannel.Enabled not bool", POST, S, f("Notifications.AddedToChannel.Enabled", "x"), 400, 20001},
			{"AddedToChannel.Template long", POST, S, f("Notifications.AddedToChannel.Template", long(1025)), 400, 50058},
			{"AddedToChannel.Sound long", POST, S, f("Notifications.AddedToChannel.Sound", long(257)), 400, 50059},
			{"RemovedFromChannel.Enabled not bool", POST, S, f("Notifications.RemovedFromChannel.Enabled", "x"), 400, 20001},
			{"RemovedFromChannel.Template long", POST, S, f("Notifications.RemovedFromChannel.Template", long(1025)), 400, 50058},
			{"RemovedFromChannel.Sound long", POST, S, f("Notifications.RemovedFromChannel.Sound", long(257)), 400, 50059},
			{"InvitedToChannel.Enabled not bool", POST, S, f("Notifications.InvitedToChannel.Enabled", "x"), 400, 20001},
			{"InvitedToChannel.Template long", POST, S, f("Notifications.InvitedToChannel.Template", long(1025)), 400, 50058},
			{"InvitedToChannel.Sound long", POST, S, f("Notifications.InvitedToChannel.Sound", long(257)), 400, 50059},
			{"LogEnabled not bool", POST, S, f("Notifications.LogEnabled", "x"), 400, 20001},
			{"PreWebhookUrl ftp", POST, S, f("PreWebhookUrl", "ftp://example.com/x"), 400, 50077},
			{"PreWebhookUrl relative", POST, S, f("PreWebhookUrl", "/hooks"), 400, 50077},
			{"PreWebhookUrl long", POST, S, f("PreWebhookUrl", "https://example.com/"+long(2048)), 400, 50077},
			{"PostWebhookUrl garbage", POST, S, f("PostWebhookUrl", "not a url"), 400, 50078},
			{"WebhookMethod PUT", POST, S, f("WebhookMethod", "PUT"), 400, 50055},
			{"WebhookFilters unknown", POST, S, f("WebhookFilters", "onMessageSent", "WebhookFilters", "onNothing"), 400, 20001},
			{"PreWebhookRetryCount 4", POST, S, f("PreWebhookRetryCount", "4"), 400, 50065},
			{"PreWebhookRetryCount -1", POST, S, f("PreWebhookRetryCount", "-1"), 400, 50065},
			{"PreWebhookRetryCount not int", POST, S, f("PreWebhookRetryCount", "x"), 400, 20001},
			{"PostWebhookRetryCount 4", POST, S, f("PostWebhookRetryCount", "4"), 400, 50065},
			{"PostWebhookRetryCount not int", POST, S, f("PostWebhookRetryCount", "x"), 400, 20001},
			{"Limits.ChannelMembers 0", POST, S, f("Limits.ChannelMembers", "0"), 400, 50061},
			{"Limits.ChannelMembers 1001", POST, S, f("Limits.ChannelMembers", "1001"), 400, 50061},
			{"Limits.ChannelMembers not int", POST, S, f("Limits.ChannelMembers", "many"), 400, 20001},
			{"Limits.UserChannels 1001", POST, S, f("Limits.UserChannels", "1001"), 400, 50060},
			{"Limits.UserChannels -5", POST, S, f("Limits.UserChannels", "-5"), 400, 50060},
			{"Limits.UserChannels not int", POST, S, f("Limits.UserChannels", "x"), 400, 20001},
			{"Media.CompatibilityMessage long", POST, S, f("Media.CompatibilityMessage", long(1025)), 400, 20001},
			{"valid name with bad limit", POST, S, f("FriendlyName", "renamed", "Limits.UserChannels", "0"), 400, 50060},
			{"valid name with bad role", POST, S, f("FriendlyName", "renamed", "DefaultServiceRoleSid", chanRole), 400, 50102},
			{"unknown service fetch", GET, "/v2/Services/IS" + strings.Repeat("0", 32), nil, 404, 20404},
			{"unknown service update", POST, "/v2/Services/IS" + strings.Repeat("0", 32), f("FriendlyName", "x"), 404, 20404},
			{"unknown service delete", DELETE, "/v2/Services/IS" + strings.Repeat("0", 32), nil, 404, 20404},
		}
		accountRunBad(t, ts, rows, "/v2/Services", S)
	})

	R := S + "/Roles"
	t.Run("roles", func(t *testing.T) {
		rows := []accountBadRow{
			{"no FriendlyName", POST, R, f("Type", "channel", "Permission", "sendMessage"), 400, 50000},
			{"long FriendlyName", POST, R, f("FriendlyName", long(65), "Type", "channel", "Permission", "sendMessage"), 400, 50003},
			{"no Type", POST, R, f("FriendlyName", "r", "Permission", "sendMessage"), 400, 20001},
			{"bad Type", POST, R, f("FriendlyName", "r", "Type", "admin", "Permission", "sendMessage"), 400, 50105},
			{"no Permission", POST, R, f("FriendlyName", "r", "Type", "channel"), 400, 20001},
			{"unknown Permission", POST, R, f("FriendlyName", "r", "Type", "channel", "Permission", "sendMessage", "Permission", "fly"), 400, 50104},
			{"deployment Permission in channel role", POST, R, f("FriendlyName", "r", "Type", "channel", "Permission", "createChannel"), 400, 50104},
			{"channel Permission in deployment role", POST, R, f("FriendlyName", "r", "Type", "deployment", "Permission", "sendMessage"), 400, 50104},
			{"update no Permission", POST, R + "/" + *custom.Sid, nil, 400, 20001},
			{"update unknown Permission", POST, R + "/" + *custom.Sid, f("Permission", "fly"), 400, 50104},
			{"update wrong-scope Permission", POST, R + "/" + *custom.Sid, f("Permission", "joinChannel"), 400, 50104},
			{"update unknown role", POST, R + "/" + unknownRole, f("Permission", "sendMessage"), 404, 20404},
			{"delete default role", DELETE, R + "/" + depRole, nil, 400, 20001},
			{"delete unknown role", DELETE, R + "/" + unknownRole, nil, 404, 20404},
		}
		accountRunBad(t, ts, rows, R, R+"/"+*custom.Sid)
	})

	U := S + "/Users"
	t.Run("users", func(t *testing.T) {
		rows := []accountBadRow{
			{"no Identity", POST, U, f("FriendlyName", "x"), 400, 50204},
			{"Identity like a SID", POST, U, f("Identity", userSIDLike), 400, 50206},
			{"Identity long", POST, U, f("Identity", long(257)), 400, 50207},
			{"duplicate Identity", POST, U, f("Identity", "alice"), 409, 50201},
			{"Attributes invalid", POST, U, f("Identity", "bob", "Attributes", "{bad"), 400, 50304},
			{"Attributes long", POST, U, f("Identity", "bob", "Attributes", `"`+long(16*1024)+`"`), 400, 50303},
			{"FriendlyName long", POST, U, f("Identity", "bob", "FriendlyName", long(257)), 400, 50003},
			{"RoleSid channel role", POST, U, f("Identity", "bob", "RoleSid", chanRole), 400, 50102},
			{"RoleSid unknown", POST, U, f("Identity", "bob", "RoleSid", unknownRole), 400, 50102},
			{"update nothing", POST, U + "/alice", nil, 400, 20161},
			{"update Attributes invalid", POST, U + "/alice", f("Attributes", "[1,"), 400, 50304},
			{"update Attributes long", POST, U + "/alice", f("Attributes", `"`+long(16*1024)+`"`), 400, 50303},
			{"update FriendlyName long", POST, U + "/alice", f("FriendlyName", long(257)), 400, 50003},
			{"update RoleSid channel role", POST, U + "/" + *user.Sid, f("RoleSid", chanRole), 400, 50102},
			{"update RoleSid unknown", POST, U + "/alice", f("RoleSid", unknownRole, "FriendlyName", "A"), 400, 50102},
			{"update unknown user", POST, U + "/nobody", f("FriendlyName", "x"), 404, 20404},
			{"delete unknown user", DELETE, U + "/nobody", nil, 404, 20404},
		}
		accountRunBad(t, ts, rows, U, U+"/alice")
	})

	C := "/v2/Credentials"
	t.Run("credentials", func(t *testing.T) {
		rows := []accountBadRow{
			{"no Type", POST, C, f("FriendlyName", "x"), 400, 20001},
			{"bad Type", POST, C, f("Type", "sms"), 400, 20001},
			{"FriendlyName long", POST, C, f("Type", "fcm", "FriendlyName", long(65)), 400, 50003},
			{"Sandbox not bool", POST, C, f("Type", "apn", "Sandbox", "sometimes"), 400, 20001},
			{"Secret huge", POST, C, f("Type", "fcm", "Secret", long(16*1024+1)), 400, 20001},
			{"Certificate huge", POST, C, f("Type", "apn", "Certificate", long(16*1024+1)), 400, 20001},
			{"update nothing", POST, C + "/" + *cred.Sid, nil, 400, 20161},
			{"update FriendlyName long", POST, C + "/" + *cred.Sid, f("FriendlyName", long(65)), 400, 50003},
			{"update Sandbox not bool", POST, C + "/" + *cred.Sid, f("Sandbox", "x"), 400, 20001},
			{"update PrivateKey huge", POST, C + "/" + *cred.Sid, f("PrivateKey", long(16*1024+1)), 400, 20001},
			{"update ApiKey huge", POST, C + "/" + *cred.Sid, f("ApiKey", long(16*1024+1), "FriendlyName", "ok"), 400, 20001},
			{"unknown credential", GET, C + "/CR" + strings.Repeat("0", 32), nil, 404, 20404},
		}
		accountRunBad(t, ts, rows, C, C+"/"+*cred.Sid)
	})

	t.Run("bindings", func(t *testing.T) {
		rows := []accountBadRow{
			{"bad BindingType", GET, S + "/Bindings", f("BindingType", "sms"), 400, 50209},
			{"bad user BindingType", GET, U + "/alice/Bindings", f("BindingType", "apn", "BindingType", "x"), 400, 50209},
			{"unknown user", GET, U + "/nobody/Bindings", nil, 404, 20404},
			{"unknown binding", GET, S + "/Bindings/BS" + strings.Repeat("0", 32), nil, 404, 20404},
			{"unknown user binding", DELETE, U + "/alice/Bindings/BS" + strings.Repeat("0", 32), nil, 404, 20404},
		}
		accountRunBad(t, ts, rows, S+"/Bindings")
	})

	t.Run("keys", func(t *testing.T) {
		K := "/2010-04-01/Accounts/" + testAccountSID + "/Keys"
		rows := []accountBadRow{
			{"FriendlyName long", POST, K + ".json", f("FriendlyName", long(257)), 400, 50003},
			{"PageSize 0", GET, K + ".json", f("PageSize", "0"), 400, 20001},
			{"bad PageToken", GET, K + ".json", f("PageToken", "garbage"), 400, 20001},
			{"unknown key", GET, K + "/SK" + strings.Repeat("0", 32) + ".json", nil, 404, 20404},
			{"update long name", POST, K + "/SK" + strings.Repeat("0", 32) + ".json", f("FriendlyName", long(257)), 400, 50003},
		}
		accountRunBad(t, ts, rows, "/2010-04-01/Accounts/"+testAccountSID+"/Keys.json")
	})
}

// TestAccountPageParams checks PageSize and PageToken on every list of the
// group: 0, negative and non-numeric sizes and garbage tokens are 400 20001;
// an oversized PageSize is clamped to the list's maximum.
func TestAccountPageParams(t *testing.T) {
	ts := startTestServer(t)
	svc := accountService(t, ts, "paging")
	if _, err := ts.Twilio.ChatV2.CreateUser(*svc.Sid, (&chat.CreateUserParams{}).SetIdentity("alice")); err != nil {
		t.Fatal(err)
	}
	S := "/v2/Services/" + *svc.Sid
	lists := []struct {
		path string
		max  int
	}{
		{"/v2/Services", 100}, {S + "/Roles", 100}, {S + "/Users", 100}, {S + "/Bindings", 50},
		{S + "/Users/alice/Bindings", 50}, {"/v2/Credentials", 1000},
	}
	for _, l := range lists {
		for _, bad := range []url.Values{
			accountForm("PageSize", "0"), accountForm("PageSize", "-3"), accountForm("PageSize", "ten"),
			accountForm("PageToken", "garbage"), accountForm("PageToken", "PAnot-a-sid"), accountForm("PageToken", "PB"),
			accountForm("Page", "-1"),
		} {
			ts.wantError(http.MethodGet, l.path, bad, 400, 20001)
		}
		st, body := ts.do(http.MethodGet, l.path, accountForm("PageSize", "100000"))
		var page struct {
			Meta struct {
				PageSize int `json:"page_size"`
			} `json:"meta"`
		}
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&page); err != nil || st != 200 || page.Meta.PageSize != l.max {
			t.Errorf("%s PageSize=100000: %d page_size %d, want %d", l.path, st, page.Meta.PageSize, l.max)
		}
		if !strings.Contains(string(body), "PageSize="+strconv.Itoa(l.max)) {
			t.Errorf("%s: clamped size not in URLs: %s", l.path, body)
		}
	}
}
