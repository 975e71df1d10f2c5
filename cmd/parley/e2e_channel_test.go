package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	chat "github.com/twilio/twilio-go/rest/chat/v2"
)

// channelFixture is a test server with one service.
type channelFixture struct {
	*testServer
	svc *chat.ChatV2Service
	IS  string
}

func channelSetup(t *testing.T) *channelFixture {
	t.Helper()
	ts := startTestServer(t)
	svc, err := ts.Twilio.ChatV2.CreateService(new(chat.CreateServiceParams).SetFriendlyName("channel tests"))
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	return &channelFixture{testServer: ts, svc: svc, IS: *svc.Sid}
}

func channelStr(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func (f *channelFixture) channelCounts(t *testing.T, ch string, members, messages int) {
	t.Helper()
	c, err := f.Twilio.ChatV2.FetchChannel(f.IS, ch)
	if err != nil {
		t.Fatalf("fetch channel %s: %v", ch, err)
	}
	if c.MembersCount != members || c.MessagesCount != messages {
		t.Errorf("channel %s: members_count %d messages_count %d, want %d and %d", ch, c.MembersCount,
			c.MessagesCount, members, messages)
	}
}

func (f *channelFixture) channelJoinedCount(t *testing.T, identity string, want int) {
	t.Helper()
	u, err := f.Twilio.ChatV2.FetchUser(f.IS, identity)
	if err != nil {
		t.Fatalf("fetch user %s: %v", identity, err)
	}
	if u.JoinedChannelsCount != want {
		t.Errorf("user %s joined_channels_count %v, want %d", identity, u.JoinedChannelsCount, want)
	}
}

func (f *channelFixture) channelCreate(t *testing.T, p *chat.CreateChannelParams) *chat.ChatV2Channel {
	t.Helper()
	if p == nil {
		p = new(chat.CreateChannelParams)
	}
	c, err := f.Twilio.ChatV2.CreateChannel(f.IS, p)
	if err != nil {
		t.Fatalf("create channel: %v", err)
	}
	return c
}

func TestChannelCRUD(t *testing.T) {
	f := channelSetup(t)
	api := f.Twilio.ChatV2
	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	c := f.channelCreate(t, new(chat.CreateChannelParams).SetFriendlyName("General").SetUniqueName("general").
		SetAttributes(`{"topic":"all"}`).SetType("private").SetDateCreated(created).SetCreatedBy("alice"))
	if !strings.HasPrefix(*c.Sid, "CH") || channelStr(c.FriendlyName) != "General" || channelStr(c.UniqueName) != "general" ||
		channelStr(c.Attributes) != `{"topic":"all"}` || channelStr(c.Type) != "private" || channelStr(c.CreatedBy) != "alice" ||
		!c.DateCreated.Equal(created) || !c.DateUpdated.Equal(created) || channelStr(c.ServiceSid) != f.IS {
		t.Fatalf("created channel: %+v", c)
	}
	links := *c.Links
	if links["last_message"] != nil || links["members"] != f.BaseURL+"/v2/Services/"+f.IS+"/Channels/"+*c.Sid+"/Members" {
		t.Errorf("links: %v", links)
	}
	if *c.Url != f.BaseURL+"/v2/Services/"+f.IS+"/Channels/"+*c.Sid {
		t.Errorf("url %s", *c.Url)
	}
	// Defaults.
	d := f.channelCreate(t, nil)
	if channelStr(d.Type) != "public" || channelStr(d.CreatedBy) != "system" || d.FriendlyName != nil ||
		d.UniqueName != nil || channelStr(d.Attributes) != "{}" {
		t.Errorf("default channel: %+v", d)
	}
	// Fetch by SID and by unique name.
	for _, key := range []string{*c.Sid, "general"} {
		got, err := api.FetchChannel(f.IS, key)
		if err != nil || *got.Sid != *c.Sid {
			t.Fatalf("fetch %s: %v %+v", key, err, got)
		}
	}
	// Duplicate unique name.
	f.wantError("POST", "/v2/Services/"+f.IS+"/Channels", url.Values{"UniqueName": {"general"}}, 409, 50307)
	// Update by unique name.
	up, err := api.UpdateChannel(f.IS, "general", new(chat.UpdateChannelParams).SetFriendlyName("Renamed").
		SetUniqueName("renamed").SetAttributes(`{"x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if channelStr(up.FriendlyName) != "Renamed" || channelStr(up.UniqueName) != "renamed" || channelStr(up.Attributes) != `{"x":1}` ||
		channelStr(up.Type) != "private" || !up.DateUpdated.After(created) {
		t.Errorf("updated: %+v", up)
	}
	f.wantError("GET", "/v2/Services/"+f.IS+"/Channels/general", nil, 404, 20404)
	if _, err := api.FetchChannel(f.IS, "renamed"); err != nil {
		t.Errorf("fetch by new unique name: %v", err)
	}
	// List with the type filter.
	pub, err := api.ListChannel(f.IS, new(chat.ListChannelParams).SetType([]string{"public"}))
	if err != nil || len(pub) != 1 || *pub[0].Sid != *d.Sid {
		t.Errorf("public channels: %v %d", err, len(pub))
	}
	both, err := api.ListChannel(f.IS, new(chat.ListChannelParams).SetType([]string{"public", "private"}))
	if err != nil || len(both) != 2 {
		t.Errorf("all channels: %v %d", err, len(both))
	}
	// Paging across several pages.
	want := []string{*c.Sid, *d.Sid}
	for i := 0; i < 5; i++ {
		want = append(want, *f.channelCreate(t, new(chat.CreateChannelParams).SetFriendlyName(fmt.Sprint("c", i))).Sid)
	}
	all, err := api.ListChannel(f.IS, new(chat.ListChannelParams).SetPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	channelSameSIDs(t, "channels", all, func(c chat.ChatV2Channel) string { return *c.Sid }, want)
	limited, err := api.ListChannel(f.IS, new(chat.ListChannelParams).SetPageSize(2).SetLimit(3))
	if err != nil || len(limited) != 3 {
		t.Errorf("limit 3: %v %d", err, len(limited))
	}
	// Delete by unique name, then by SID.
	if err := api.DeleteChannel(f.IS, "renamed", nil); err != nil {
		t.Fatal(err)
	}
	f.wantError("GET", "/v2/Services/"+f.IS+"/Channels/"+*c.Sid, nil, 404, 20404)
	if err := api.DeleteChannel(f.IS, *d.Sid, nil); err != nil {
		t.Fatal(err)
	}
	rest, _ := api.ListChannel(f.IS, nil)
	if len(rest) != 5 {
		t.Errorf("after deletes: %d channels", len(rest))
	}
}

// channelSameSIDs checks that items hold exactly the SIDs of want, without
// duplicates, in list order: SID order, which is creation order to the
// millisecond (SIDs created within one millisecond sort randomly).
func channelSameSIDs[T any](t *testing.T, what string, items []T, sid func(T) string, want []string) {
	t.Helper()
	var got []string
	seen := map[string]bool{}
	for _, it := range items {
		s := sid(it)
		if seen[s] {
			t.Errorf("%s: duplicate %s", what, s)
		}
		seen[s] = true
		got = append(got, s)
	}
	if !sort.StringsAreSorted(got) {
		t.Errorf("%s: not in SID order: %v", what, got)
	}
	want = append([]string(nil), want...)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestChannelMembers(t *testing.T) {
	f := channelSetup(t)
	api := f.Twilio.ChatV2
	c := f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("room"))
	m, err := api.CreateMember(f.IS, "room", new(chat.CreateMemberParams).SetIdentity("alice").SetAttributes(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*m.Sid, "MB") || channelStr(m.Identity) != "alice" || channelStr(m.RoleSid) != *f.svc.DefaultChannelRoleSid ||
		m.LastConsumedMessageIndex != nil || m.LastConsumptionTimestamp != nil || channelStr(m.Attributes) != `{"a":1}` ||
		channelStr(m.ChannelSid) != *c.Sid {
		t.Errorf("member: %+v", m)
	}
	f.channelCounts(t, "room", 1, 0)
	f.channelJoinedCount(t, "alice", 1)
	// Explicit role and horizon.
	ts := time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)
	b, err := api.CreateMember(f.IS, *c.Sid, new(chat.CreateMemberParams).SetIdentity("bob").
		SetRoleSid(*f.svc.DefaultChannelCreatorRoleSid).SetLastConsumedMessageIndex(3).SetLastConsumptionTimestamp(ts))
	if err != nil {
		t.Fatal(err)
	}
	if channelStr(b.RoleSid) != *f.svc.DefaultChannelCreatorRoleSid || b.LastConsumedMessageIndex == nil ||
		*b.LastConsumedMessageIndex != 3 || !b.LastConsumptionTimestamp.Equal(ts) {
		t.Errorf("bob: %+v", b)
	}
	f.channelCounts(t, "room", 2, 0)
	f.wantError("POST", "/v2/Services/"+f.IS+"/Channels/room/Members", url.Values{"Identity": {"bob"}}, 409, 50404)
	f.channelCounts(t, "room", 2, 0)
	// Fetch by SID and identity.
	for _, key := range []string{*m.Sid, "alice"} {
		got, err := api.FetchMember(f.IS, "room", key)
		if err != nil || *got.Sid != *m.Sid {
			t.Errorf("fetch member %s: %v", key, err)
		}
	}
	// Update by identity.
	u, err := api.UpdateMember(f.IS, "room", "alice", new(chat.UpdateMemberParams).SetLastConsumedMessageIndex(7).
		SetRoleSid(*f.svc.DefaultChannelCreatorRoleSid).SetAttributes(`{"b":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if u.LastConsumedMessageIndex == nil || *u.LastConsumedMessageIndex != 7 || channelStr(u.RoleSid) != *f.svc.DefaultChannelCreatorRoleSid ||
		channelStr(u.Attributes) != `{"b":2}` {
		t.Errorf("updated member: %+v", u)
	}
	// Clearing the horizon with an empty value.
	st, body := f.do("POST", "/v2/Services/"+f.IS+"/Channels/room/Members/alice", url.Values{"LastConsumedMessageIndex": {""}})
	if st != 200 || !strings.Contains(string(body), `"last_consumed_message_index":null`) {
		t.Errorf("clear horizon: %d %s", st, body)
	}
	// List with an identity filter, and paging.
	for i := 0; i < 5; i++ {
		if _, err := api.CreateMember(f.IS, "room", new(chat.CreateMemberParams).SetIdentity(fmt.Sprint("user", i))); err != nil {
			t.Fatal(err)
		}
	}
	f.channelCounts(t, "room", 7, 0)
	only, err := api.ListMember(f.IS, "room", new(chat.ListMemberParams).SetIdentity([]string{"alice", "user3"}))
	if err != nil || len(only) != 2 {
		t.Errorf("identity filter: %v %d", err, len(only))
	}
	all, err := api.ListMember(f.IS, "room", new(chat.ListMemberParams).SetPageSize(3))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, id := range []string{"alice", "bob", "user0", "user1", "user2", "user3", "user4"} {
		mm, _ := api.FetchMember(f.IS, "room", id)
		want = append(want, *mm.Sid)
	}
	channelSameSIDs(t, "members", all, func(m chat.ChatV2Member) string { return *m.Sid }, want)
	// Delete by identity and by SID.
	if err := api.DeleteMember(f.IS, "room", "alice", nil); err != nil {
		t.Fatal(err)
	}
	if err := api.DeleteMember(f.IS, "room", *b.Sid, nil); err != nil {
		t.Fatal(err)
	}
	f.channelCounts(t, "room", 5, 0)
	f.channelJoinedCount(t, "alice", 0)
	f.wantError("GET", "/v2/Services/"+f.IS+"/Channels/room/Members/alice", nil, 404, 20404)
	// Deleting the channel drops its members from the users' counts.
	if err := api.DeleteChannel(f.IS, "room", nil); err != nil {
		t.Fatal(err)
	}
	f.channelJoinedCount(t, "user0", 0)
}

func TestChannelMessages(t *testing.T) {
	f := channelSetup(t)
	api := f.Twilio.ChatV2
	c := f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("room"))
	m, err := api.CreateMessage(f.IS, "room", new(chat.CreateMessageParams).SetBody("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*m.Sid, "IM") || m.Index != 0 || channelStr(m.From) != "system" || channelStr(m.Body) != "hello" ||
		channelStr(m.Type) != "text" || m.WasEdited == nil || *m.WasEdited || m.LastUpdatedBy != nil ||
		channelStr(m.To) != *c.Sid || channelStr(m.Attributes) != "{}" || m.Media != nil {
		t.Errorf("message: %+v", m)
	}
	f.channelCounts(t, "room", 0, 1)
	got, _ := api.FetchChannel(f.IS, "room")
	if (*got.Links)["last_message"] != *m.Url {
		t.Errorf("last_message %v, want %s", (*got.Links)["last_message"], *m.Url)
	}
	// Import with dates: was_edited follows date_updated > date_created.
	dc := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	imp, err := api.CreateMessage(f.IS, *c.Sid, new(chat.CreateMessageParams).SetBody("old").SetFrom("bob").
		SetDateCreated(dc).SetDateUpdated(dc.Add(time.Hour)).SetLastUpdatedBy("carol").SetAttributes(`{"k":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if imp.Index != 1 || channelStr(imp.From) != "bob" || !imp.DateCreated.Equal(dc) || imp.WasEdited == nil || !*imp.WasEdited ||
		channelStr(imp.LastUpdatedBy) != "carol" || channelStr(imp.Attributes) != `{"k":true}` {
		t.Errorf("imported: %+v", imp)
	}
	// Update marks the message edited; REST leaves last_updated_by alone
	// unless LastUpdatedBy is sent.
	ed, err := api.UpdateMessage(f.IS, "room", *m.Sid, new(chat.UpdateMessageParams).SetBody("hello again"))
	if err != nil {
		t.Fatal(err)
	}
	if channelStr(ed.Body) != "hello again" || ed.WasEdited == nil || !*ed.WasEdited || ed.LastUpdatedBy != nil || ed.Index != 0 {
		t.Errorf("edited: %+v", ed)
	}
	ed, err = api.UpdateMessage(f.IS, "room", *m.Sid, new(chat.UpdateMessageParams).SetLastUpdatedBy("dave").
		SetFrom("erin").SetAttributes(`{"z":0}`))
	if err != nil {
		t.Fatal(err)
	}
	if channelStr(ed.LastUpdatedBy) != "dave" || channelStr(ed.From) != "erin" || channelStr(ed.Attributes) != `{"z":0}` {
		t.Errorf("edited: %+v", ed)
	}
	fm, err := api.FetchMessage(f.IS, *c.Sid, *m.Sid)
	if err != nil || channelStr(fm.Body) != "hello again" || channelStr(fm.From) != "erin" {
		t.Errorf("fetch: %v %+v", err, fm)
	}
	// Delete; indices are never reused.
	if err := api.DeleteMessage(f.IS, "room", *imp.Sid, nil); err != nil {
		t.Fatal(err)
	}
	f.channelCounts(t, "room", 0, 1)
	got, _ = api.FetchChannel(f.IS, "room")
	if (*got.Links)["last_message"] != *m.Url {
		t.Errorf("last_message after delete: %v", (*got.Links)["last_message"])
	}
	var wantAsc []int
	wantAsc = append(wantAsc, 0)
	for i := 0; i < 10; i++ {
		mm, err := api.CreateMessage(f.IS, "room", new(chat.CreateMessageParams).SetBody(fmt.Sprint("m", i)))
		if err != nil {
			t.Fatal(err)
		}
		if mm.Index != 2+i {
			t.Errorf("message %d got index %d", i, mm.Index)
		}
		wantAsc = append(wantAsc, mm.Index)
	}
	f.channelCounts(t, "room", 0, 11)
	asc, err := api.ListMessage(f.IS, "room", new(chat.ListMessageParams).SetPageSize(3))
	if err != nil {
		t.Fatal(err)
	}
	desc, err := api.ListMessage(f.IS, "room", new(chat.ListMessageParams).SetPageSize(4).SetOrder("desc"))
	if err != nil {
		t.Fatal(err)
	}
	idx := func(ms []chat.ChatV2Message) []int {
		var out []int
		for _, m := range ms {
			out = append(out, m.Index)
		}
		return out
	}
	wantDesc := append([]int(nil), wantAsc...)
	sort.Sort(sort.Reverse(sort.IntSlice(wantDesc)))
	if fmt.Sprint(idx(asc)) != fmt.Sprint(wantAsc) {
		t.Errorf("asc %v, want %v", idx(asc), wantAsc)
	}
	if fmt.Sprint(idx(desc)) != fmt.Sprint(wantDesc) {
		t.Errorf("desc %v, want %v", idx(desc), wantDesc)
	}
	// Raw paging: the next page URL carries the cursor.
	st, body := f.do("GET", "/v2/Services/"+f.IS+"/Channels/room/Messages?PageSize=5&Order=desc", nil)
	var page struct {
		Messages []struct{ Index int } `json:"messages"`
		Meta     struct {
			NextPageURL *string `json:"next_page_url"`
			PageSize    int     `json:"page_size"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &page); st != 200 || err != nil || len(page.Messages) != 5 || page.Meta.NextPageURL == nil ||
		!strings.Contains(*page.Meta.NextPageURL, "Order=desc") || page.Messages[0].Index != 11 {
		t.Errorf("raw page: %d %s", st, body)
	}
	// Deleting the channel deletes its messages.
	if err := api.DeleteChannel(f.IS, "room", nil); err != nil {
		t.Fatal(err)
	}
	f.wantError("GET", "/v2/Services/"+f.IS+"/Channels/"+*c.Sid+"/Messages/"+*m.Sid, nil, 404, 20404)
}

func TestChannelConcurrentMessages(t *testing.T) {
	f := channelSetup(t)
	c := f.channelCreate(t, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]bool{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				m, err := f.Twilio.ChatV2.CreateMessage(f.IS, *c.Sid, new(chat.CreateMessageParams).SetBody(fmt.Sprint(g, "-", i)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[m.Index] {
					t.Errorf("index %d given twice", m.Index)
				}
				seen[m.Index] = true
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	for i := 0; i < 200; i++ {
		if !seen[i] {
			t.Errorf("index %d missing", i)
		}
	}
	if len(seen) != 200 {
		t.Errorf("%d indices", len(seen))
	}
	f.channelCounts(t, *c.Sid, 0, 200)
	all, err := f.Twilio.ChatV2.ListMessage(f.IS, *c.Sid, new(chat.ListMessageParams).SetPageSize(100))
	if err != nil || len(all) != 200 || all[0].Index != 0 || all[199].Index != 199 {
		t.Errorf("list: %v %d", err, len(all))
	}
}

func TestChannelInvites(t *testing.T) {
	f := channelSetup(t)
	api := f.Twilio.ChatV2
	c := f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("room"))
	// The user must exist.
	f.wantError("POST", "/v2/Services/"+f.IS+"/Channels/room/Invites", url.Values{"Identity": {"ghost"}}, 404, 20404)
	for _, id := range []string{"alice", "bob", "carol", "dave"} {
		if _, err := api.CreateUser(f.IS, new(chat.CreateUserParams).SetIdentity(id)); err != nil {
			t.Fatal(err)
		}
	}
	inv, err := api.CreateInvite(f.IS, "room", new(chat.CreateInviteParams).SetIdentity("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*inv.Sid, "IN") || channelStr(inv.Identity) != "alice" || channelStr(inv.CreatedBy) != "system" ||
		channelStr(inv.RoleSid) != *f.svc.DefaultChannelRoleSid || channelStr(inv.ChannelSid) != *c.Sid {
		t.Errorf("invite: %+v", inv)
	}
	f.wantError("POST", "/v2/Services/"+f.IS+"/Channels/room/Invites", url.Values{"Identity": {"alice"}}, 409, 50212)
	inv2, err := api.CreateInvite(f.IS, *c.Sid, new(chat.CreateInviteParams).SetIdentity("bob").
		SetRoleSid(*f.svc.DefaultChannelCreatorRoleSid))
	if err != nil || channelStr(inv2.RoleSid) != *f.svc.DefaultChannelCreatorRoleSid {
		t.Fatalf("invite bob: %v %+v", err, inv2)
	}
	inv3, _ := api.CreateInvite(f.IS, "room", new(chat.CreateInviteParams).SetIdentity("carol"))
	// A member cannot be invited.
	if _, err := api.CreateMember(f.IS, "room", new(chat.CreateMemberParams).SetIdentity("dave")); err != nil {
		t.Fatal(err)
	}
	f.wantError("POST", "/v2/Services/"+f.IS+"/Channels/room/Invites", url.Values{"Identity": {"dave"}}, 409, 50404)
	got, err := api.FetchInvite(f.IS, "room", *inv.Sid)
	if err != nil || channelStr(got.Identity) != "alice" {
		t.Errorf("fetch invite: %v", err)
	}
	only, err := api.ListInvite(f.IS, "room", new(chat.ListInviteParams).SetIdentity([]string{"bob"}))
	if err != nil || len(only) != 1 || *only[0].Sid != *inv2.Sid {
		t.Errorf("filter: %v %d", err, len(only))
	}
	all, err := api.ListInvite(f.IS, "room", new(chat.ListInviteParams).SetPageSize(1))
	if err != nil {
		t.Fatal(err)
	}
	channelSameSIDs(t, "invites", all, func(i chat.ChatV2Invite) string { return *i.Sid }, []string{*inv.Sid, *inv2.Sid, *inv3.Sid})
	// Joining removes the invite.
	if _, err := api.CreateMember(f.IS, "room", new(chat.CreateMemberParams).SetIdentity("carol")); err != nil {
		t.Fatal(err)
	}
	f.wantError("GET", "/v2/Services/"+f.IS+"/Channels/room/Invites/"+*inv3.Sid, nil, 404, 20404)
	if err := api.DeleteInvite(f.IS, "room", *inv.Sid); err != nil {
		t.Fatal(err)
	}
	f.wantError("GET", "/v2/Services/"+f.IS+"/Channels/room/Invites/"+*inv.Sid, nil, 404, 20404)
	left, _ := api.ListInvite(f.IS, "room", nil)
	if len(left) != 1 {
		t.Errorf("%d invites left", len(left))
	}
	f.channelCounts(t, "room", 2, 0)
}

func TestChannelWebhooks(t *testing.T) {
	f := channelSetup(t)
	api := f.Twilio.ChatV2
	f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("room"))
	wh, err := api.CreateChannelWebhook(f.IS, "room", new(chat.CreateChannelWebhookParams).SetType("webhook").
		SetConfigurationUrl("https://example.com/hook").SetConfigurationFilters([]string{"onMessageSent", "onMemberAdded"}).
		SetConfigurationRetryCount(2))
	if err != nil {
		t.Fatal(err)
	}
	cfg := (*wh.Configuration).(map[string]any)
	if !strings.HasPrefix(*wh.Sid, "WH") || channelStr(wh.Type) != "webhook" || cfg["url"] != "https://example.com/hook" ||
		cfg["method"] != "POST" || fmt.Sprint(cfg["filters"]) != "[onMessageSent onMemberAdded]" || cfg["retry_count"] != 2.0 {
		t.Errorf("webhook: %+v %v", wh, cfg)
	}
	tr, err := api.CreateChannelWebhook(f.IS, "room", new(chat.CreateChannelWebhookParams).SetType("trigger").
		SetConfigurationUrl("http://example.com/t").SetConfigurationMethod("GET").SetConfigurationTriggers([]string{"help", "sos"}))
	if err != nil {
		t.Fatal(err)
	}
	cfg = (*tr.Configuration).(map[string]any)
	if cfg["method"] != "GET" || fmt.Sprint(cfg["triggers"]) != "[help sos]" {
		t.Errorf("trigger: %v", cfg)
	}
	st, err := api.CreateChannelWebhook(f.IS, "room", new(chat.CreateChannelWebhookParams).SetType("studio").
		SetConfigurationFlowSid("FW0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	cfg = (*st.Configuration).(map[string]any)
	if cfg["flow_sid"] != "FW0123456789abcdef0123456789abcdef" || cfg["url"] != nil {
		t.Errorf("studio: %v", cfg)
	}
	up, err := api.UpdateChannelWebhook(f.IS, "room", *wh.Sid, new(chat.UpdateChannelWebhookParams).
		SetConfigurationMethod("GET").SetConfigurationFilters([]string{"onChannelUpdated"}))
	if err != nil {
		t.Fatal(err)
	}
	cfg = (*up.Configuration).(map[string]any)
	if cfg["method"] != "GET" || fmt.Sprint(cfg["filters"]) != "[onChannelUpdated]" || cfg["url"] != "https://example.com/hook" ||
		cfg["retry_count"] != 2.0 {
		t.Errorf("updated: %v", cfg)
	}
	fe, err := api.FetchChannelWebhook(f.IS, "room", *tr.Sid)
	if err != nil || channelStr(fe.Type) != "trigger" {
		t.Errorf("fetch: %v", err)
	}
	var want = []string{*wh.Sid, *tr.Sid, *st.Sid}
	for i := 0; i < 2; i++ {
		w, err := api.CreateChannelWebhook(f.IS, "room", new(chat.CreateChannelWebhookParams).SetType("webhook").
			SetConfigurationUrl("https://example.com/x"))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *w.Sid)
	}
	// The sixth is refused and not stored.
	f.wantError("POST", "/v2/Services/"+f.IS+"/Channels/room/Webhooks",
		url.Values{"Type": {"webhook"}, "Configuration.Url": {"https://example.com/y"}}, 403, 50321)
	all, err := api.ListChannelWebhook(f.IS, "room", new(chat.ListChannelWebhookParams).SetPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	channelSameSIDs(t, "webhooks", all, func(w chat.ChatV2ChannelWebhook) string { return *w.Sid }, want)
	// PageSize is clamped at 5.
	code, body := f.do("GET", "/v2/Services/"+f.IS+"/Channels/room/Webhooks?PageSize=50", nil)
	if code != 200 || !strings.Contains(string(body), `"page_size":5`) {
		t.Errorf("clamp: %d %s", code, body)
	}
	if err := api.DeleteChannelWebhook(f.IS, "room", *wh.Sid); err != nil {
		t.Fatal(err)
	}
	f.wantError("GET", "/v2/Services/"+f.IS+"/Channels/room/Webhooks/"+*wh.Sid, nil, 404, 20404)
}

func TestChannelUserChannels(t *testing.T) {
	f := channelSetup(t)
	api := f.Twilio.ChatV2
	a := f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("a"))
	b := f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("b"))
	if _, err := api.CreateMember(f.IS, "a", new(chat.CreateMemberParams).SetIdentity("alice")); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateInvite(f.IS, "b", new(chat.CreateInviteParams).SetIdentity("alice")); err != nil {
		t.Fatal(err)
	}
	user, _ := api.FetchUser(f.IS, "alice")
	for i := 0; i < 11; i++ {
		if _, err := api.CreateMessage(f.IS, "a", new(chat.CreateMessageParams).SetBody("x")); err != nil {
			t.Fatal(err)
		}
	}
	list, err := api.ListUserChannel(f.IS, "alice", new(chat.ListUserChannelParams).SetPageSize(1))
	if err != nil {
		t.Fatal(err)
	}
	channelSameSIDs(t, "user channels", list, func(u chat.ChatV2UserChannel) string { return *u.ChannelSid },
		func() []string {
			s := []string{*a.Sid, *b.Sid}
			sort.Strings(s)
			return s
		}())
	ua, err := api.FetchUserChannel(f.IS, *user.Sid, "a")
	if err != nil {
		t.Fatal(err)
	}
	if channelStr(ua.Status) != "joined" || ua.MemberSid == nil || ua.UnreadMessagesCount != nil || channelStr(ua.NotificationLevel) != "default" ||
		channelStr(ua.UserSid) != *user.Sid || (*ua.Links)["channel"] != *a.Url {
		t.Errorf("joined row: %+v", ua)
	}
	ub, err := api.FetchUserChannel(f.IS, "alice", *b.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if channelStr(ub.Status) != "invited" || ub.MemberSid != nil || (*ub.Links)["member"] != nil {
		t.Errorf("invited row: %+v", ub)
	}
	// Set the horizon and the level through the user channel.
	up, err := api.UpdateUserChannel(f.IS, "alice", "a", new(chat.UpdateUserChannelParams).SetLastConsumedMessageIndex(5).
		SetNotificationLevel("muted"))
	if err != nil {
		t.Fatal(err)
	}
	if up.LastConsumedMessageIndex == nil || *up.LastConsumedMessageIndex != 5 || up.UnreadMessagesCount == nil ||
		*up.UnreadMessagesCount != 5 || channelStr(up.NotificationLevel) != "muted" {
		t.Errorf("updated row: %+v", up)
	}
	m, _ := api.FetchMember(f.IS, "a", "alice")
	if m.LastConsumedMessageIndex == nil || *m.LastConsumedMessageIndex != 5 {
		t.Errorf("member horizon: %+v", m)
	}
	if _, err := api.CreateMessage(f.IS, "a", new(chat.CreateMessageParams).SetBody("y")); err != nil {
		t.Fatal(err)
	}
	ua, _ = api.FetchUserChannel(f.IS, "alice", "a")
	if ua.UnreadMessagesCount == nil || *ua.UnreadMessagesCount != 6 {
		t.Errorf("unread after a new message: %v", ua.UnreadMessagesCount)
	}
	f.wantError("POST", "/v2/Services/"+f.IS+"/Users/alice/Channels/b", url.Values{"NotificationLevel": {"muted"}}, 400, 50400)
	// Delete: the membership, then the invite.
	if err := api.DeleteUserChannel(f.IS, "alice", "a", nil); err != nil {
		t.Fatal(err)
	}
	f.channelCounts(t, "a", 0, 12)
	f.channelJoinedCount(t, "alice", 0)
	if err := api.DeleteUserChannel(f.IS, *user.Sid, *b.Sid, nil); err != nil {
		t.Fatal(err)
	}
	inv, _ := api.ListInvite(f.IS, "b", nil)
	rows, _ := api.ListUserChannel(f.IS, "alice", nil)
	if len(inv) != 0 || len(rows) != 0 {
		t.Errorf("after deletes: %d invites, %d rows", len(inv), len(rows))
	}
	f.wantError("GET", "/v2/Services/"+f.IS+"/Users/alice/Channels/a", nil, 404, 20404)
	_ = http.MethodGet
}

func TestChannelMemberLimits(t *testing.T) {
	f := channelSetup(t)
	api := f.Twilio.ChatV2
	if _, err := api.UpdateService(f.IS, new(chat.UpdateServiceParams).SetLimitsChannelMembers(2).
		SetLimitsUserChannels(1)); err != nil {
		t.Fatal(err)
	}
	f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("a"))
	f.channelCreate(t, new(chat.CreateChannelParams).SetUniqueName("b"))
	for _, id := range []string{"alice", "bob"} {
		if _, err := api.CreateMember(f.IS, "a", new(chat.CreateMemberParams).SetIdentity(id)); err != nil {
			t.Fatal(err)
		}
	}
	// The channel is full.
	f.wantError("POST", "/v2/Services/"+f.IS+"/Channels/a/Members", url.Values{"Identity": {"carol"}}, 403, 50403)
	f.channelCounts(t, "a", 2, 0)
	// alice is in as many channels as she may be.
	f.wantError("POST", "/v2/Services/"+f.IS+"/Channels/b/Members", url.Values{"Identity": {"alice"}}, 403, 50208)
	f.channelCounts(t, "b", 0, 0)
	f.channelJoinedCount(t, "alice", 1)
	// Leaving frees the place.
	if err := api.DeleteMember(f.IS, "a", "alice", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateMember(f.IS, "b", new(chat.CreateMemberParams).SetIdentity("alice")); err != nil {
		t.Errorf("join after leaving: %v", err)
	}
	f.channelJoinedCount(t, "alice", 1)
	f.channelCounts(t, "b", 1, 0)
}
