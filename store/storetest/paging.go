package storetest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/model"
)

// checkPages walks a list forward and backward in pages of limit items and
// checks every page and its HasMore against want, the cursors of the whole
// list in list order. The backward walk starts from end, a cursor placed
// after every item, or from the last item when end is "".
func checkPages[T any](t *testing.T, what string, want []string, limit int, end string,
	list func(model.PageRequest) (model.Page[T], error), cursor func(T) string) {
	t.Helper()
	n := len(want)
	after := ""
	for lo := 0; ; lo += limit {
		p, err := list(model.PageRequest{After: after, Limit: limit})
		must(t, err)
		hi := min(lo+limit, n)
		equal(t, what+" forward page after "+strconv.Quote(after), sidsOf(p.Items, cursor), want[lo:hi])
		if more := hi < n; p.HasMore != more {
			t.Fatalf("%s forward page after %q (limit %d): HasMore = %v, want %v", what, after, limit, p.HasMore, more)
		}
		if hi == n {
			break
		}
		after = want[hi-1]
	}
	hi, before := n, end
	if end == "" {
		if n == 0 {
			return
		}
		hi, before = n-1, want[n-1]
	}
	for {
		p, err := list(model.PageRequest{Before: before, Limit: limit})
		must(t, err)
		lo := max(hi-limit, 0)
		equal(t, what+" backward page before "+strconv.Quote(before), sidsOf(p.Items, cursor), want[lo:hi])
		if more := lo > 0; p.HasMore != more {
			t.Fatalf("%s backward page before %q (limit %d): HasMore = %v, want %v", what, before, limit, p.HasMore, more)
		}
		if lo == 0 {
			return
		}
		hi, before = lo, want[lo]
	}
}

// endSID is a cursor after every SID with the prefix.
func endSID(prefix string) string { return prefix + strings.Repeat("f", 32) }

func testPagingSIDLists(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	usersOf := func(p model.PageRequest) (model.Page[model.User], error) { return e.s.ListUsers(e.ctx, s1.SID, p) }
	checkPages(t, "ListUsers (empty)", nil, 3, endSID("US"), usersOf, userSID)

	var users []string
	for i := range 7 {
		users = append(users, e.user(s1, "user"+strconv.Itoa(i)).SID)
	}
	users = sorted(users...)
	for _, limit := range []int{1, 2, 3, 6, 7, 8} {
		checkPages(t, "ListUsers", users, limit, endSID("US"), usersOf, userSID)
		checkPages(t, "ListUsers", users, limit, "", usersOf, userSID)
	}

	// A cursor is a position: it may name a deleted item.
	gone := users[3]
	must(t, e.s.DeleteUser(e.ctx, s1.SID, gone))
	p, err := e.s.ListUsers(e.ctx, s1.SID, model.PageRequest{After: gone, Limit: 2})
	must(t, err)
	equal(t, "ListUsers after a deleted cursor", sidsOf(p.Items, userSID), users[4:6])
	if !p.HasMore {
		t.Fatal("ListUsers after a deleted cursor: HasMore = false")
	}
	p, err = e.s.ListUsers(e.ctx, s1.SID, model.PageRequest{Before: gone, Limit: 2})
	must(t, err)
	equal(t, "ListUsers before a deleted cursor", sidsOf(p.Items, userSID), users[1:3])
	if !p.HasMore {
		t.Fatal("ListUsers before a deleted cursor: HasMore = false")
	}
	p, err = e.s.ListUsers(e.ctx, s1.SID, model.PageRequest{Before: users[0], Limit: 2})
	must(t, err)
	if len(p.Items) != 0 || p.HasMore {
		t.Fatalf("ListUsers before the first: %d items, HasMore %v", len(p.Items), p.HasMore)
	}

	// Lists of other shapes: top-level, under a service, under a channel.
	var services []string
	services = append(services, s1.SID)
	for range 4 {
		s, _ := e.service()
		services = append(services, s.SID)
	}
	servicesOf := func(p model.PageRequest) (model.Page[model.Service], error) { return e.s.ListServices(e.ctx, p) }
	checkPages(t, "ListServices", sorted(services...), 2, endSID("IS"), servicesOf, func(s model.Service) string { return s.SID })

	ch := e.channel(s1, "paged")
	var members, invites, hooks []string
	for i := range 5 {
		u := e.user(s1, "member"+strconv.Itoa(i))
		members = append(members, e.member(ch, u).SID)
		invites = append(invites, e.invite(ch, "guest"+strconv.Itoa(i)).SID)
		w := e.newWebhook(ch)
		must(t, e.s.CreateWebhook(e.ctx, w, 0))
		hooks = append(hooks, w.SID)
	}
	membersOf := func(p model.PageRequest) (model.Page[model.Member], error) {
		return e.s.ListMembers(e.ctx, s1.SID, ch.SID, nil, p)
	}
	checkPages(t, "ListMembers", sorted(members...), 2, endSID("MB"), membersOf, memberSID)
	invitesOf := func(p model.PageRequest) (model.Page[model.Invite], error) {
		return e.s.ListInvites(e.ctx, s1.SID, ch.SID, nil, p)
	}
	checkPages(t, "ListInvites", sorted(invites...), 3, endSID("IN"), invitesOf, inviteSID)
	hooksOf := func(p model.PageRequest) (model.Page[model.Webhook], error) {
		return e.s.ListWebhooks(e.ctx, s1.SID, ch.SID, p)
	}
	checkPages(t, "ListWebhooks", sorted(hooks...), 4, endSID("WH"), hooksOf, webhookSID)
	channelsOf := func(p model.PageRequest) (model.Page[model.Channel], error) {
		return e.s.ListChannels(e.ctx, s1.SID, nil, p)
	}
	checkPages(t, "ListChannels", []string{ch.SID}, 1, endSID("CH"), channelsOf, channelSID)

	var keys, creds []string
	for range 3 {
		now := e.tick()
		k := &model.APIKey{SID: model.NewSID(model.PrefixKey), AccountSID: accountSID, DateCreated: now, DateUpdated: now}
		must(t, e.s.CreateKey(e.ctx, k))
		keys = append(keys, k.SID)
		c := &model.Credential{SID: model.NewSID(model.PrefixCredential), AccountSID: accountSID, Type: "fcm", DateCreated: now, DateUpdated: now}
		must(t, e.s.CreateCredential(e.ctx, c))
		creds = append(creds, c.SID)
	}
	keysOf := func(p model.PageRequest) (model.Page[model.APIKey], error) { return e.s.ListKeys(e.ctx, p) }
	checkPages(t, "ListKeys", sorted(keys...), 2, endSID("SK"), keysOf, func(k model.APIKey) string { return k.SID })
	credsOf := func(p model.PageRequest) (model.Page[model.Credential], error) { return e.s.ListCredentials(e.ctx, p) }
	checkPages(t, "ListCredentials", sorted(creds...), 1, endSID("CR"), credsOf, func(c model.Credential) string { return c.SID })

	rolesOf := func(p model.PageRequest) (model.Page[model.Role], error) { return e.s.ListRoles(e.ctx, s1.SID, p) }
	rp, err := e.s.ListRoles(e.ctx, s1.SID, all())
	must(t, err)
	checkPages(t, "ListRoles", sidsOf(rp.Items, func(r model.Role) string { return r.SID }), 3, endSID("RL"), rolesOf,
		func(r model.Role) string { return r.SID })
}

func testPagingFiltered(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	var public, private []string
	for i := range 9 {
		typ := model.ChannelPublic
		if i%3 != 0 {
			typ = model.ChannelPrivate
		}
		c := e.newChannel(s1, "", typ)
		must(t, e.s.CreateChannel(e.ctx, c))
		if typ == model.ChannelPublic {
			public = append(public, c.SID)
		} else {
			private = append(private, c.SID)
		}
	}
	for _, tc := range []struct {
		typ  model.ChannelType
		want []string
	}{{model.ChannelPrivate, sorted(private...)}, {model.ChannelPublic, sorted(public...)}} {
		list := func(p model.PageRequest) (model.Page[model.Channel], error) {
			return e.s.ListChannels(e.ctx, s1.SID, []model.ChannelType{tc.typ}, p)
		}
		for _, limit := range []int{1, 2, 4} {
			checkPages(t, "ListChannels "+string(tc.typ), tc.want, limit, endSID("CH"), list, channelSID)
			checkPages(t, "ListChannels "+string(tc.typ), tc.want, limit, "", list, channelSID)
		}
	}

	ch := e.channel(s1, "filtered")
	var picked, identities []string
	var bindings []string
	for i := range 6 {
		u := e.user(s1, "u"+strconv.Itoa(i))
		m := e.member(ch, u)
		b := e.newBinding(u, "apn")
		if i%2 == 0 {
			b.BindingType = "fcm"
			bindings = append(bindings, b.SID)
		}
		must(t, e.s.CreateBinding(e.ctx, b))
		if i != 2 {
			picked = append(picked, m.SID)
			identities = append(identities, u.Identity)
		}
	}
	var invites []string
	for _, id := range identities {
		invites = append(invites, e.invite(ch, id).SID)
	}
	identities = append(identities, "nobody")
	members := func(p model.PageRequest) (model.Page[model.Member], error) {
		return e.s.ListMembers(e.ctx, s1.SID, ch.SID, identities, p)
	}
	checkPages(t, "ListMembers by identities", sorted(picked...), 2, endSID("MB"), members, memberSID)
	invitesOf := func(p model.PageRequest) (model.Page[model.Invite], error) {
		return e.s.ListInvites(e.ctx, s1.SID, ch.SID, identities, p)
	}
	checkPages(t, "ListInvites by identities", sorted(invites...), 2, "", invitesOf, inviteSID)
	bindingsOf := func(p model.PageRequest) (model.Page[model.Binding], error) {
		return e.s.ListBindings(e.ctx, s1.SID, model.BindingFilter{BindingTypes: []string{"fcm"}}, p)
	}
	checkPages(t, "ListBindings by type", sorted(bindings...), 1, endSID("BS"), bindingsOf, bindingSID)
}

func testPagingMessages(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	ch := e.channel(s1, "a")
	asc := func(p model.PageRequest) (model.Page[model.Message], error) {
		return e.s.ListMessages(e.ctx, s1.SID, ch.SID, p)
	}
	desc := func(p model.PageRequest) (model.Page[model.Message], error) {
		p.Desc = true
		return e.s.ListMessages(e.ctx, s1.SID, ch.SID, p)
	}
	idx := func(m model.Message) string { return strconv.FormatInt(m.Index, 10) }
	checkPages(t, "ListMessages (empty)", nil, 3, "0", asc, idx)
	checkPages(t, "ListMessages desc (empty)", nil, 3, "", desc, idx)

	var msgs []*model.Message
	for i := range 10 {
		msgs = append(msgs, e.message(ch, "m"+strconv.Itoa(i), int64(i)))
	}
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[4].SID)))
	must(t, errOf(e.s.DeleteMessage(e.ctx, s1.SID, ch.SID, msgs[7].SID)))
	up := []string{"0", "1", "2", "3", "5", "6", "8", "9"}
	down := []string{"9", "8", "6", "5", "3", "2", "1", "0"}
	for _, limit := range []int{1, 3, 8, 20} {
		checkPages(t, "ListMessages", up, limit, "10", asc, idx)
		checkPages(t, "ListMessages", up, limit, "", asc, idx)
		checkPages(t, "ListMessages desc", down, limit, "", desc, idx)
	}

	p, err := asc(model.PageRequest{Limit: 2})
	must(t, err)
	equal(t, "ListMessages first page", p.Items, []model.Message{*msgs[0], *msgs[1]})

	for _, tc := range []struct {
		name string
		list func(model.PageRequest) (model.Page[model.Message], error)
		p    model.PageRequest
		want []string
		more bool
	}{
		{"asc after a deleted index", asc, model.PageRequest{After: "4", Limit: 3}, []string{"5", "6", "8"}, true},
		{"asc before a deleted index", asc, model.PageRequest{Before: "7", Limit: 2}, []string{"5", "6"}, true},
		{"asc before past the end", asc, model.PageRequest{Before: "100", Limit: 3}, []string{"6", "8", "9"}, true},
		{"asc after past the end", asc, model.PageRequest{After: "100", Limit: 3}, nil, false},
		{"asc before the first", asc, model.PageRequest{Before: "0", Limit: 3}, nil, false},
		{"asc after the last", asc, model.PageRequest{After: "9", Limit: 3}, nil, false},
		{"desc after a deleted index", desc, model.PageRequest{After: "7", Limit: 2}, []string{"6", "5"}, true},
		{"desc after past the end", desc, model.PageRequest{After: "100", Limit: 2}, []string{"9", "8"}, true},
		{"desc before a deleted index", desc, model.PageRequest{Before: "4", Limit: 10}, []string{"9", "8", "6", "5"}, false},
		{"desc before a deleted index, short", desc, model.PageRequest{Before: "4", Limit: 3}, []string{"8", "6", "5"}, true},
		{"desc after the first", desc, model.PageRequest{After: "0", Limit: 3}, nil, false},
		{"desc before the last", desc, model.PageRequest{Before: "9", Limit: 3}, nil, false},
	} {
		p, err := tc.list(tc.p)
		must(t, err)
		equal(t, "ListMessages "+tc.name, sidsOf(p.Items, idx), tc.want)
		if p.HasMore != tc.more {
			t.Fatalf("ListMessages %s: HasMore = %v, want %v", tc.name, p.HasMore, tc.more)
		}
	}
}

func testPagingUserChannels(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s1, _ := e.service()
	alice := e.user(s1, "alice")
	list := func(p model.PageRequest) (model.Page[model.UserChannel], error) {
		return e.s.ListUserChannels(e.ctx, s1.SID, alice.SID, p)
	}
	checkPages(t, "ListUserChannels (empty)", nil, 2, endSID("CH"), list, ucSID)

	var want []string
	for i := range 8 {
		c := e.channel(s1, "c"+strconv.Itoa(i))
		switch i % 3 {
		case 0:
			e.member(c, alice)
			want = append(want, c.SID)
		case 1:
			e.invite(c, "alice")
			want = append(want, c.SID)
		}
	}
	// An invite to a channel alice is a member of: still one row, the
	// membership.
	c0, err := e.s.GetChannelByUniqueName(e.ctx, s1.SID, "c0")
	must(t, err)
	e.invite(c0, "alice")
	uc, err := e.s.GetUserChannel(e.ctx, s1.SID, alice.SID, c0.SID)
	must(t, err)
	if uc.Member == nil || uc.Invite != nil {
		t.Fatalf("GetUserChannel of a member also invited: %+v", uc)
	}
	want = sorted(want...)
	for _, limit := range []int{1, 2, 3, 6} {
		checkPages(t, "ListUserChannels", want, limit, endSID("CH"), list, ucSID)
		checkPages(t, "ListUserChannels", want, limit, "", list, ucSID)
	}
	p, err := list(all())
	must(t, err)
	for _, row := range p.Items {
		if (row.Member == nil) == (row.Invite == nil) {
			t.Fatalf("ListUserChannels row %s: Member %v, Invite %v (want exactly one)", row.Channel.UniqueName, row.Member, row.Invite)
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(row.Channel.UniqueName, "c"))
		if (n%3 == 0) != (row.Member != nil) {
			t.Fatalf("ListUserChannels row %s: wrong kind", row.Channel.UniqueName)
		}
	}
}
