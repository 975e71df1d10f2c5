package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	chat "github.com/twilio/twilio-go/rest/chat/v2"
)

// channelBadCase is one bad request and the error it must get.
type channelBadCase struct {
	name   string
	method string
	path   string
	form   url.Values
	status int
	code   int
}

func (f *channelFixture) channelRunBad(t *testing.T, cases []channelBadCase) {
	t.Helper()
	for _, c := range cases {
		f.channelRun(t, c.name, func(t *testing.T) {
			f.wantError(c.method, c.path, c.form, c.status, c.code)
		})
	}
}

// channelRun runs a subtest with the server's failures reported on it.
func (f *channelFixture) channelRun(t *testing.T, name string, fn func(t *testing.T)) {
	t.Run(name, func(t *testing.T) {
		old := f.t
		f.t = t
		defer func() { f.t = old }()
		fn(t)
	})
}

// channelFetchJSON fetches a resource raw and returns its JSON body, for
// comparing before and after refused writes.
func (f *channelFixture) channelFetchJSON(t *testing.T, path string) string {
	t.Helper()
	st, body := f.do("GET", path, nil)
	if st != 200 {
		t.Fatalf("GET %s: %d %s", path, st, body)
	}
	return string(body)
}

// channelPagingCases are the bad paging parameters every list refuses.
func channelPagingCases(path string) []channelBadCase {
	return []channelBadCase{
		{"PageSize 0", "GET", path, url.Values{"PageSize": {"0"}}, 400, 20001},
		{"PageSize negative", "GET", path, url.Values{"PageSize": {"-3"}}, 400, 20001},
		{"PageSize not a number", "GET", path, url.Values{"PageSize": {"ten"}}, 400, 20001},
		{"garbage PageToken", "GET", path, url.Values{"PageToken": {"garbage"}}, 400, 20001},
		{"PageToken of another list", "GET", path, url.Values{"PageToken": {"PAIS0123456789abcdef0123456789abcdef"}}, 400, 20001},
	}
}

func (f *channelFixture) channelPageSize(t *testing.T, path string, want int) {
	t.Helper()
	st, body := f.do("GET", path, url.Values{"PageSize": {"100000"}})
	var env struct {
		Meta struct {
			PageSize int `json:"page_size"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &env); st != 200 || err != nil || env.Meta.PageSize != want {
		t.Errorf("huge PageSize on %s: %d %s, want page_size %d", path, st, body, want)
	}
}

func TestChannelBadInput(t *testing.T) {
	f := channelSetup(t)
	api := f.Twilio.ChatV2
	ch := f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("room").SetFriendlyName("Room"))
	f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("other"))
	if _, err := api.CreateMember(f.IS, "room", new(chat.CreateMemberParams).SetIdentity("alice")); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateUser(f.IS, new(chat.CreateUserParams).SetIdentity("bob")); err != nil {
		t.Fatal(err)
	}
	msg, err := api.CreateMessage(f.IS, "room", new(chat.CreateMessageParams).SetBody("hi"))
	if err != nil {
		t.Fatal(err)
	}
	wh, err := api.CreateChannelWebhook(f.IS, "room", new(chat.CreateChannelWebhookParams).SetType("webhook").
		SetConfigurationUrl("https://example.com/h"))
	if err != nil {
		t.Fatal(err)
	}
	base := "/v2/Services/" + f.IS
	chans := base + "/Channels"
	room := chans + "/room"
	long := func(n int) string { return strings.Repeat("a", n) }
	chSID := "CH0123456789abcdef0123456789abcdef"
	rlSID := "RL0123456789abcdef0123456789abcdef"
	deployRole := *f.svc.DefaultServiceRoleSid

	beforeRoom := f.channelFetchJSON(t, room)
	beforeAlice := f.channelFetchJSON(t, room+"/Members/alice")
	beforeMsg := f.channelFetchJSON(t, room+"/Messages/"+*msg.Sid)
	beforeWh := f.channelFetchJSON(t, room+"/Webhooks/"+*wh.Sid)
	beforeUC := f.channelFetchJSON(t, base+"/Users/alice/Channels/room")

	f.channelRun(t, "channels", func(t *testing.T) {
		cases := []channelBadCase{
			{"FriendlyName too long", "POST", chans, url.Values{"FriendlyName": {long(257)}}, 400, 50003},
			{"UniqueName too long", "POST", chans, url.Values{"UniqueName": {long(257)}}, 400, 50004},
			{"UniqueName like a SID", "POST", chans, url.Values{"UniqueName": {chSID}}, 400, 50306},
			{"duplicate UniqueName", "POST", chans, url.Values{"UniqueName": {"room"}}, 409, 50307},
			{"Attributes not JSON", "POST", chans, url.Values{"Attributes": {"{nope"}}, 400, 50304},
			{"Attributes too long", "POST", chans, url.Values{"Attributes": {`"` + long(16*1024) + `"`}}, 400, 50303},
			{"Type unknown", "POST", chans, url.Values{"Type": {"secret"}}, 400, 20001},
			{"DateCreated not a date", "POST", chans, url.Values{"DateCreated": {"yesterday"}}, 400, 20001},
			{"DateUpdated not a date", "POST", chans, url.Values{"DateUpdated": {"12"}}, 400, 20001},
			{"CreatedBy too long", "POST", chans, url.Values{"CreatedBy": {long(257)}}, 400, 50310},
			{"update without parameters", "POST", room, url.Values{}, 400, 50347},
			{"update FriendlyName too long", "POST", room, url.Values{"FriendlyName": {long(257)}}, 400, 50003},
			{"update UniqueName like a SID", "POST", room, url.Values{"UniqueName": {chSID}}, 400, 50306},
			{"update UniqueName taken", "POST", room, url.Values{"UniqueName": {"other"}}, 409, 50307},
			{"update Attributes not JSON", "POST", room, url.Values{"Attributes": {"[1,"}}, 400, 50304},
			{"update DateCreated not a date", "POST", room, url.Values{"DateCreated": {"x"}}, 400, 20001},
			{"update CreatedBy too long", "POST", room, url.Values{"CreatedBy": {long(257)}}, 400, 50310},
			{"update CreatedBy empty", "POST", room, url.Values{"CreatedBy": {""}}, 400, 20001},
			{"update unknown channel", "POST", chans + "/nowhere", url.Values{"FriendlyName": {"x"}}, 404, 20404},
			{"fetch unknown SID", "GET", chans + "/" + chSID, nil, 404, 20404},
			{"delete unknown", "DELETE", chans + "/nowhere", nil, 404, 20404},
			{"unknown service", "GET", "/v2/Services/IS0123456789abcdef0123456789abcdef/Channels", nil, 404, 20404},
			{"service not a SID", "GET", "/v2/Services/nope/Channels", nil, 404, 20404},
			{"list Type unknown", "GET", chans, url.Values{"Type": {"secret"}}, 400, 20001},
		}
		f.channelRunBad(t, append(cases, channelPagingCases(chans)...))
		f.channelPageSize(t, chans, 100)
		if got, _ := api.ListChannel(f.IS, nil); len(got) != 2 {
			t.Errorf("%d channels after refused creates, want 2", len(got))
		}
	})

	f.channelRun(t, "members", func(t *testing.T) {
		mem := room + "/Members"
		cases := []channelBadCase{
			{"Identity missing", "POST", mem, url.Values{}, 400, 20001},
			{"Identity like a SID", "POST", mem, url.Values{"Identity": {"US0123456789abcdef0123456789abcdef"}}, 400, 50206},
			{"Identity too long", "POST", mem, url.Values{"Identity": {long(257)}}, 400, 50207},
			{"RoleSid unknown", "POST", mem, url.Values{"Identity": {"zed"}, "RoleSid": {rlSID}}, 400, 50101},
			{"RoleSid a service role", "POST", mem, url.Values{"Identity": {"zed"}, "RoleSid": {deployRole}}, 400, 50101},
			{"RoleSid garbage", "POST", mem, url.Values{"Identity": {"zed"}, "RoleSid": {"admin"}}, 400, 50101},
			{"LastConsumedMessageIndex not a number", "POST", mem, url.Values{"Identity": {"zed"}, "LastConsumedMessageIndex": {"x"}}, 400, 20001},
			{"LastConsumedMessageIndex negative", "POST", mem, url.Values{"Identity": {"zed"}, "LastConsumedMessageIndex": {"-1"}}, 400, 50406},
			{"LastConsumptionTimestamp not a date", "POST", mem, url.Values{"Identity": {"zed"}, "LastConsumptionTimestamp": {"now"}}, 400, 20001},
			{"DateCreated not a date", "POST", mem, url.Values{"Identity": {"zed"}, "DateCreated": {"now"}}, 400, 20001},
			{"DateUpdated not a date", "POST", mem, url.Values{"Identity": {"zed"}, "DateUpdated": {"now"}}, 400, 20001},
			{"Attributes not JSON", "POST", mem, url.Values{"Identity": {"zed"}, "Attributes": {"nope"}}, 400, 50304},
			{"Attributes too long", "POST", mem, url.Values{"Identity": {"zed"}, "Attributes": {`"` + long(16*1024) + `"`}}, 400, 50303},
			{"already a member", "POST", mem, url.Values{"Identity": {"alice"}}, 409, 50404},
			{"unknown channel", "POST", chans + "/nowhere/Members", url.Values{"Identity": {"zed"}}, 404, 20404},
			{"update without parameters", "POST", mem + "/alice", url.Values{}, 400, 20161},
			{"update RoleSid unknown", "POST", mem + "/alice", url.Values{"RoleSid": {rlSID}}, 400, 50101},
			{"update LastConsumedMessageIndex negative", "POST", mem + "/alice", url.Values{"LastConsumedMessageIndex": {"-2"}}, 400, 50406},
			{"update LastConsumedMessageIndex not a number", "POST", mem + "/alice", url.Values{"LastConsumedMessageIndex": {"1.5"}}, 400, 20001},
			{"update LastConsumptionTimestamp not a date", "POST", mem + "/alice", url.Values{"LastConsumptionTimestamp": {"x"}}, 400, 20001},
			{"update Attributes not JSON", "POST", mem + "/alice", url.Values{"Attributes": {"{"}}, 400, 50304},
			{"update unknown member", "POST", mem + "/zed", url.Values{"Attributes": {"{}"}}, 404, 20404},
			{"fetch unknown member SID", "GET", mem + "/MB0123456789abcdef0123456789abcdef", nil, 404, 20404},
			{"delete unknown member", "DELETE", mem + "/zed", nil, 404, 20404},
		}
		f.channelRunBad(t, append(cases, channelPagingCases(mem)...))
		f.channelPageSize(t, mem, 100)
		f.channelCounts(t, "room", 1, 1)
		f.wantError("GET", base+"/Users/zed", nil, 404, 20404)
		if got := f.channelFetchJSON(t, mem+"/alice"); got != beforeAlice {
			t.Errorf("alice changed:\n%s\n%s", beforeAlice, got)
		}
	})

	f.channelRun(t, "messages", func(t *testing.T) {
		msgs := room + "/Messages"
		one := msgs + "/" + *msg.Sid
		cases := []channelBadCase{
			{"no Body", "POST", msgs, url.Values{"From": {"x"}}, 400, 50503},
			{"Body too long", "POST", msgs, url.Values{"Body": {long(32*1024 + 1)}}, 400, 50504},
			{"Attributes not JSON", "POST", msgs, url.Values{"Body": {"x"}, "Attributes": {"nope"}}, 400, 50304},
			{"Attributes too long", "POST", msgs, url.Values{"Body": {"x"}, "Attributes": {`"` + long(16*1024) + `"`}}, 400, 50303},
			{"From too long", "POST", msgs, url.Values{"Body": {"x"}, "From": {long(257)}}, 400, 50310},
			{"LastUpdatedBy too long", "POST", msgs, url.Values{"Body": {"x"}, "LastUpdatedBy": {long(257)}}, 400, 50505},
			{"MediaSid unknown", "POST", msgs, url.Values{"MediaSid": {"ME0123456789abcdef0123456789abcdef"}}, 404, 50507},
			{"DateCreated not a date", "POST", msgs, url.Values{"Body": {"x"}, "DateCreated": {"x"}}, 400, 20001},
			{"DateUpdated not a date", "POST", msgs, url.Values{"Body": {"x"}, "DateUpdated": {"x"}}, 400, 20001},
			{"unknown channel", "POST", chans + "/" + chSID + "/Messages", url.Values{"Body": {"x"}}, 404, 20404},
			{"update without parameters", "POST", one, url.Values{}, 400, 20161},
			{"update Body too long", "POST", one, url.Values{"Body": {long(32*1024 + 1)}}, 400, 50504},
			{"update Attributes not JSON", "POST", one, url.Values{"Attributes": {"nope"}}, 400, 50304},
			{"update From empty", "POST", one, url.Values{"From": {""}}, 400, 20001},
			{"update From too long", "POST", one, url.Values{"From": {long(257)}}, 400, 50310},
			{"update LastUpdatedBy too long", "POST", one, url.Values{"LastUpdatedBy": {long(257)}}, 400, 50505},
			{"update DateCreated not a date", "POST", one, url.Values{"DateCreated": {"x"}}, 400, 20001},
			{"update message by index", "POST", msgs + "/0", url.Values{"Body": {"x"}}, 404, 20404},
			{"fetch unknown message", "GET", msgs + "/IM0123456789abcdef0123456789abcdef", nil, 404, 20404},
			{"delete unknown message", "DELETE", msgs + "/IM0123456789abcdef0123456789abcdef", nil, 404, 20404},
			{"list Order unknown", "GET", msgs, url.Values{"Order": {"up"}}, 400, 20001},
			{"list negative PageToken", "GET", msgs, url.Values{"PageToken": {"PA-1"}}, 400, 19038},
		}
		f.channelRunBad(t, append(cases, channelPagingCases(msgs)...))
		f.channelPageSize(t, msgs, 100)
		f.channelCounts(t, "room", 1, 1)
		if got := f.channelFetchJSON(t, one); got != beforeMsg {
			t.Errorf("message changed:\n%s\n%s", beforeMsg, got)
		}
	})

	f.channelRun(t, "invites", func(t *testing.T) {
		inv := room + "/Invites"
		cases := []channelBadCase{
			{"Identity missing", "POST", inv, url.Values{}, 400, 20001},
			{"unknown user", "POST", inv, url.Values{"Identity": {"ghost"}}, 404, 20404},
			{"RoleSid unknown", "POST", inv, url.Values{"Identity": {"bob"}, "RoleSid": {rlSID}}, 400, 50101},
			{"RoleSid a service role", "POST", inv, url.Values{"Identity": {"bob"}, "RoleSid": {deployRole}}, 400, 50101},
			{"already a member", "POST", inv, url.Values{"Identity": {"alice"}}, 409, 50404},
			{"fetch unknown invite", "GET", inv + "/IN0123456789abcdef0123456789abcdef", nil, 404, 20404},
			{"fetch invite not a SID", "GET", inv + "/bob", nil, 404, 20404},
			{"delete unknown invite", "DELETE", inv + "/IN0123456789abcdef0123456789abcdef", nil, 404, 20404},
		}
		f.channelRunBad(t, append(cases, channelPagingCases(inv)...))
		f.channelPageSize(t, inv, 100)
		if got, _ := api.ListInvite(f.IS, "room", nil); len(got) != 0 {
			t.Errorf("%d invites after refused creates", len(got))
		}
	})

	f.channelRun(t, "webhooks", func(t *testing.T) {
		whs := room + "/Webhooks"
		one := whs + "/" + *wh.Sid
		hook := func(kv ...string) url.Values {
			v := url.Values{"Type": {"webhook"}, "Configuration.Url": {"https://example.com/h"}}
			for i := 0; i < len(kv); i += 2 {
				v[kv[i]] = strings.Split(kv[i+1], ",")
			}
			return v
		}
		cases := []channelBadCase{
			{"Type missing", "POST", whs, url.Values{"Configuration.Url": {"https://example.com"}}, 400, 50328},
			{"Type unknown", "POST", whs, hook("Type", "lambda"), 400, 50324},
			{"Url missing", "POST", whs, url.Values{"Type": {"webhook"}}, 400, 50329},
			{"Url not http", "POST", whs, hook("Configuration.Url", "ftp://example.com/x"), 400, 20001},
			{"Url relative", "POST", whs, hook("Configuration.Url", "/hook"), 400, 20001},
			{"Url too long", "POST", whs, hook("Configuration.Url", "https://example.com/"+long(2048)), 400, 50332},
			{"Method unknown", "POST", whs, hook("Configuration.Method", "PUT"), 400, 20001},
			{"Filters unknown event", "POST", whs, hook("Configuration.Filters", "onMessageSend"), 400, 50325},
			{"Triggers over 5", "POST", whs, hook("Type", "trigger", "Configuration.Triggers", "a,b,c,d,e,f"), 400, 50322},
			{"Triggers missing for trigger", "POST", whs, hook("Type", "trigger"), 400, 50331},
			{"Triggers empty keyword", "POST", whs, hook("Type", "trigger", "Configuration.Triggers", ""), 400, 50326},
			{"FlowSid missing for studio", "POST", whs, url.Values{"Type": {"studio"}}, 400, 50327},
			{"FlowSid malformed", "POST", whs, url.Values{"Type": {"studio"}, "Configuration.FlowSid": {"FW123"}}, 400, 50327},
			{"RetryCount over 3", "POST", whs, hook("Configuration.RetryCount", "4"), 400, 20001},
			{"RetryCount negative", "POST", whs, hook("Configuration.RetryCount", "-1"), 400, 20001},
			{"RetryCount not a number", "POST", whs, hook("Configuration.RetryCount", "two"), 400, 20001},
			{"update without parameters", "POST", one, url.Values{}, 400, 20161},
			{"update Method unknown", "POST", one, url.Values{"Configuration.Method": {"DELETE"}}, 400, 20001},
			{"update Filters unknown event", "POST", one, url.Values{"Configuration.Filters": {"onNothing"}}, 400, 50325},
			{"update RetryCount over 3", "POST", one, url.Values{"Configuration.RetryCount": {"9"}}, 400, 20001},
			{"update Url not http", "POST", one, url.Values{"Configuration.Url": {"mailto:x@example.com"}}, 400, 20001},
			{"update unknown webhook", "POST", whs + "/WH0123456789abcdef0123456789abcdef", url.Values{"Configuration.Method": {"GET"}}, 404, 20404},
			{"fetch webhook not a SID", "GET", whs + "/hook", nil, 404, 20404},
			{"delete unknown webhook", "DELETE", whs + "/WH0123456789abcdef0123456789abcdef", nil, 404, 20404},
		}
		f.channelRunBad(t, append(cases, channelPagingCases(whs)...))
		f.channelPageSize(t, whs, 5)
		if got, _ := api.ListChannelWebhook(f.IS, "room", nil); len(got) != 1 {
			t.Errorf("%d webhooks after refused creates, want 1", len(got))
		}
		if got := f.channelFetchJSON(t, one); got != beforeWh {
			t.Errorf("webhook changed:\n%s\n%s", beforeWh, got)
		}
	})

	f.channelRun(t, "user channels", func(t *testing.T) {
		uc := base + "/Users/alice/Channels"
		cases := []channelBadCase{
			{"NotificationLevel unknown", "POST", uc + "/room", url.Values{"NotificationLevel": {"loud"}}, 400, 50210},
			{"LastConsumedMessageIndex negative", "POST", uc + "/room", url.Values{"LastConsumedMessageIndex": {"-1"}}, 400, 50406},
			{"LastConsumedMessageIndex not a number", "POST", uc + "/room", url.Values{"LastConsumedMessageIndex": {"x"}}, 400, 20001},
			{"LastConsumptionTimestamp not a date", "POST", uc + "/room", url.Values{"LastConsumptionTimestamp": {"x"}}, 400, 20001},
			{"update without parameters", "POST", uc + "/room", url.Values{}, 400, 20161},
			{"not a member", "POST", uc + "/other", url.Values{"NotificationLevel": {"muted"}}, 404, 20404},
			{"unknown user", "GET", base + "/Users/ghost/Channels/room", nil, 404, 20404},
			{"unknown channel", "GET", uc + "/nowhere", nil, 404, 20404},
			{"list of unknown user", "GET", base + "/Users/ghost/Channels", nil, 404, 20404},
			{"delete when not in channel", "DELETE", uc + "/other", nil, 404, 20404},
		}
		f.channelRunBad(t, append(cases, channelPagingCases(uc)...))
		f.channelPageSize(t, uc, 50)
		if got := f.channelFetchJSON(t, uc+"/room"); got != beforeUC {
			t.Errorf("user channel changed:\n%s\n%s", beforeUC, got)
		}
	})

	if got := f.channelFetchJSON(t, room); got != beforeRoom {
		t.Errorf("channel changed:\n%s\n%s", beforeRoom, got)
	}
	_ = ch
}
