package redis

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/parleychat/parley/model"
	goredis "github.com/redis/go-redis/v9"
)

// memberRecord is the stored JSON of a member (its seq is kept in front).
func memberRecord(m *model.Member) (string, error) {
	r := *m
	r.Seq = 0
	return enc(&r)
}

// AddMember implements model.Store, in three steps, because the user's
// count and index live in the service's slot and the member in the
// channel's: (1) in the service's slot, the user must exist and a place is
// reserved under its limit (count up, index entry "~<member SID>"); (2) in
// the channel's slot, the checks in the contract's order, then the member,
// the channel's count and seq, and the removal of the pending invite; (3)
// in the service's slot, the reservation is committed (or released when
// (2) refused). Between (1) and (3) the user's count includes the
// reservation, so concurrent joins cannot pass the user limit. Every step
// is idempotent (the member SID with its payload is the key), so the call
// may be re-sent as a whole. An Identity is always the user's.
func (s *Store) AddMember(ctx context.Context, m *model.Member, lim model.MemberLimits) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	w := wctx(ctx)
	svc, ch := m.ServiceSID, m.ChannelSID
	st, l, err := s.runList(w, "member_reserve", s.svcKeys(svc, kUsers, kCounts, kUserCh, kUserChZ),
		m.UserSID, ch, m.SID, lim.UserChannels)
	if err != nil {
		return err
	}
	if st == "nouser" {
		return notFound()
	}
	u, err := dec[model.User](str(l[1]))
	if err != nil {
		return err
	}
	c := *m
	c.Identity = u.Identity
	js, err := memberRecord(&c)
	if err != nil {
		return err
	}
	reserved := st == "ok"
	ast, al, err := s.runList(w, "member_add", s.chanKeys(ch, kChan, kMembers, kMembersZ, kMemberID, kInvites, kInvitesZ, kInviteID),
		svc, m.SID, c.Identity, js, st, lim.ChannelMembers)
	if err != nil {
		return err // the reservation stays until the call is re-sent (see doc.go)
	}
	ok, inv := "0", ""
	if ast == "ok" {
		ok, inv = "1", str(al[2])
	}
	if reserved {
		cst, err := s.runStr(w, "member_commit", s.svcKeys(svc, kUsers, kCounts, kUserCh, kUserChZ, kIdInv, kIdInvZ),
			m.UserSID, ch, m.SID, ok, hex.EncodeToString([]byte(c.Identity)), inv)
		if err != nil {
			return err
		}
		if cst == "gone" {
			// The user or the channel went while the member was added: undo.
			_, _, _ = s.runList(w, "member_remove", append([]string{s.op(s.ck(ch, kChan))}, s.chanKeys(ch, kChan, kMembers, kMembersZ, kMemberID)...),
				s.opTTL, svc, m.SID)
			return notFound()
		}
	}
	switch ast {
	case "ok":
		seq, err := strconv.ParseInt(str(al[1]), 10, 64)
		if err != nil {
			return errUnexpected("seq " + str(al[1]))
		}
		m.Identity, m.Seq = c.Identity, seq
		return nil
	case "nochan":
		return notFound()
	case "exists":
		return errExists()
	case "member":
		return model.Errorf(model.KindConflict, model.CodeMemberExists, "Member %q already exists", c.Identity)
	case "chfull":
		return model.Errorf(model.KindForbidden, model.CodeMembersLimit, "Channel member limit of %d reached", lim.ChannelMembers)
	case "full":
		return model.Errorf(model.KindForbidden, model.CodeUserChannelsLimit, "User channel limit of %d reached", lim.UserChannels)
	}
	return errUnexpected(ast)
}

// GetMember implements model.Store.
func (s *Store) GetMember(ctx context.Context, serviceSID, channelSID, sid string) (*model.Member, error) {
	_, rec, err := s.cget(ctx, serviceSID, channelSID, kMembers, sid, "")
	if err != nil {
		return nil, err
	}
	return decSeq(rec, setMemberSeq)
}

// GetMemberByIdentity implements model.Store.
func (s *Store) GetMemberByIdentity(ctx context.Context, serviceSID, channelSID, identity string) (*model.Member, error) {
	_, rec, err := s.cget(ctx, serviceSID, channelSID, kMembers, identity, kMemberID)
	if err != nil {
		return nil, err
	}
	return decSeq(rec, setMemberSeq)
}

// listChannelItems lists a channel's members or invites, only those the
// identity index names for identities when that is not empty.
func listChannelItems[T any](s *Store, ctx context.Context, svc, ch, h, z, idx string, identities []string, p model.PageRequest,
	decode func(string) (*T, error)) (model.Page[T], error) {
	if err := s.begin(ctx); err != nil {
		return model.Page[T]{}, err
	}
	conv := func(e entry) (*T, bool, error) {
		v, err := decode(e.val)
		return v, err == nil, err
	}
	if len(identities) == 0 {
		return pageOf(ctx, p, 0, s.pageScript(s.ck(ch, z), s.ck(ch, h), "", guard{mode: "chan", key: s.ck(ch, kChan), arg: svc}, ""), conv)
	}
	args := []any{svc}
	for _, id := range identities {
		args = append(args, id)
	}
	res, err := s.run(ctx, "idlist", s.chanKeys(ch, kChan, idx, h), args...)
	if err != nil {
		return model.Page[T]{}, err
	}
	if res == nil {
		return model.Page[T]{}, notFound()
	}
	l := strs(res)
	recs := map[string]string{}
	var sids []string
	for i := 0; i+1 < len(l); i += 2 {
		if _, dup := recs[l[i]]; !dup {
			sids = append(sids, l[i])
		}
		recs[l[i]] = l[i+1]
	}
	slices.Sort(sids)
	return pageOf(ctx, p, 0, pageSorted(sids), func(e entry) (*T, bool, error) {
		e.val = recs[e.sid]
		return conv(e)
	})
}

// ListMembers implements model.Store. A missing channel gives
// KindNotFound.
func (s *Store) ListMembers(ctx context.Context, serviceSID, channelSID string, identities []string, p model.PageRequest) (model.Page[model.Member], error) {
	return listChannelItems(s, ctx, serviceSID, channelSID, kMembers, kMembersZ, kMemberID, identities, p,
		func(rec string) (*model.Member, error) { return decSeq(rec, setMemberSeq) })
}

// UpdateMember implements model.Store: read, fn, then a compare-and-set
// that also advances the channel's seq (member_update.lua).
func (s *Store) UpdateMember(ctx context.Context, serviceSID, channelSID, sid string, fn func(*model.Member) error) (*model.Member, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	for range s.maxAttempts {
		_, rec, err := s.cget(ctx, serviceSID, channelSID, kMembers, sid, "")
		if err != nil {
			return nil, err
		}
		old, err := decSeq(rec, setMemberSeq)
		if err != nil {
			return nil, err
		}
		cur, _ := decSeq(rec, setMemberSeq)
		if err := fn(cur); err != nil {
			return nil, err
		}
		cur.SID, cur.AccountSID, cur.ServiceSID, cur.ChannelSID = old.SID, old.AccountSID, old.ServiceSID, old.ChannelSID
		cur.UserSID, cur.Identity = old.UserSID, old.Identity
		js, err := memberRecord(cur)
		if err != nil {
			return nil, err
		}
		st, l, err := s.runList(wctx(ctx), "member_update", []string{s.op(s.ck(channelSID, kChan)), s.ck(channelSID, kChan), s.ck(channelSID, kMembers)},
			s.opTTL, serviceSID, sid, rec, js)
		if err != nil {
			return nil, err
		}
		extra, retry, err := casOutcome(st, l)
		if err != nil {
			return nil, err
		}
		if retry {
			continue
		}
		if cur.Seq, err = strconv.ParseInt(extra, 10, 64); err != nil {
			return nil, errUnexpected("seq " + extra)
		}
		return cur, nil
	}
	return nil, errContended()
}

// RemoveMember implements model.Store, in two steps: the member, the
// channel's count and seq in the channel's slot (member_remove.lua), then
// the user's index entry and count in the service's slot
// (member_unlink.lua, idempotent).
func (s *Store) RemoveMember(ctx context.Context, serviceSID, channelSID, sid string) (*model.Member, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	w := wctx(ctx)
	st, l, err := s.runList(w, "member_remove", append([]string{s.op(s.ck(channelSID, kChan))}, s.chanKeys(channelSID, kChan, kMembers, kMembersZ, kMemberID)...),
		s.opTTL, serviceSID, sid)
	if err != nil {
		return nil, err
	}
	if st == "notfound" {
		return nil, notFound()
	}
	if st != "ok" {
		return nil, errUnexpected(st)
	}
	m, err := decSeq(str(l[1])+" "+str(l[2]), setMemberSeq)
	if err != nil {
		return nil, err
	}
	if _, err := s.run(w, "member_unlink", s.svcKeys(serviceSID, kUsers, kCounts, kUserCh, kUserChZ), m.UserSID, channelSID, sid); err != nil {
		return nil, err
	}
	return m, nil
}

// CreateInvite implements model.Store: the invite in the channel's slot,
// then its entry in the identity's index in the service's slot.
func (s *Store) CreateInvite(ctx context.Context, in *model.Invite) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	js, err := enc(in)
	if err != nil {
		return err
	}
	w := wctx(ctx)
	st, err := s.runStr(w, "invite_add", s.chanKeys(in.ChannelSID, kChan, kInvites, kInvitesZ, kInviteID),
		in.ServiceSID, in.SID, in.Identity, js)
	if err != nil {
		return err
	}
	if st == "invited" {
		return model.Errorf(model.KindConflict, model.CodeUserInvited, "User %q is already invited", in.Identity)
	}
	if err := createStatus(st, nil); err != nil {
		return err
	}
	_, err = s.run(w, "link", s.svcKeys(in.ServiceSID, kIdInv, kIdInvZ), hex.EncodeToString([]byte(in.Identity))+"|"+in.ChannelSID, in.SID)
	return err
}

// GetInvite implements model.Store.
func (s *Store) GetInvite(ctx context.Context, serviceSID, channelSID, sid string) (*model.Invite, error) {
	_, rec, err := s.cget(ctx, serviceSID, channelSID, kInvites, sid, "")
	if err != nil {
		return nil, err
	}
	return dec[model.Invite](rec)
}

// ListInvites implements model.Store. A missing channel gives
// KindNotFound.
func (s *Store) ListInvites(ctx context.Context, serviceSID, channelSID string, identities []string, p model.PageRequest) (model.Page[model.Invite], error) {
	return listChannelItems(s, ctx, serviceSID, channelSID, kInvites, kInvitesZ, kInviteID, identities, p, dec[model.Invite])
}

// DeleteInvite implements model.Store: the invite in the channel's slot,
// then the identity's index entry.
func (s *Store) DeleteInvite(ctx context.Context, serviceSID, channelSID, sid string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	w := wctx(ctx)
	st, l, err := s.runList(w, "invite_remove", append([]string{s.op(s.ck(channelSID, kChan))}, s.chanKeys(channelSID, kChan, kInvites, kInvitesZ, kInviteID)...),
		s.opTTL, serviceSID, sid)
	if err != nil {
		return err
	}
	if st == "notfound" {
		return notFound()
	}
	if st != "ok" {
		return errUnexpected(st)
	}
	in, err := dec[model.Invite](str(l[1]))
	if err != nil {
		return err
	}
	_, err = s.run(w, "unlink", s.svcKeys(serviceSID, kIdInv, kIdInvZ), hex.EncodeToString([]byte(in.Identity))+"|"+channelSID, sid)
	return err
}

// ucRef is a row of a user's channel list before it is loaded.
type ucRef struct {
	ch, member, invite string
}

// ucRow loads rows of user channel lists in one pipeline (uc_row.lua);
// a row whose channel or record is missing (mid-delete) is nil.
func (s *Store) ucRows(ctx context.Context, svc string, refs []ucRef) ([]*model.UserChannel, error) {
	calls := make([]call, len(refs))
	for i, r := range refs {
		calls[i] = call{keys: s.chanKeys(r.ch, kChan, kMembers, kInvites, kMsgsZ), args: []any{svc, r.member, r.invite}}
	}
	res, err := s.runPipe(ctx, "uc_row", calls)
	if err != nil {
		return nil, err
	}
	out := make([]*model.UserChannel, len(refs))
	for i, r := range res {
		l, ok := r.([]any)
		if !ok || len(l) < 4 {
			continue
		}
		c, err := decChannel(pairs(strs(l[0])))
		if err != nil {
			return nil, err
		}
		uc := &model.UserChannel{Channel: *c}
		if str(l[1]) == "m" {
			if uc.Member, err = decSeq(str(l[2]), setMemberSeq); err != nil {
				return nil, err
			}
			if n := str(l[3]); n != "" {
				v := atoi(n)
				uc.UnreadMessagesCount = &v
			}
		} else if uc.Invite, err = dec[model.Invite](str(l[2])); err != nil {
			return nil, err
		}
		out[i] = uc
	}
	return out, nil
}

// ucFetch reads one batch of a user's channel references (uc_refs.lua)
// and merges its memberships and invites by channel SID. Only the
// references up to the first list's end that is not exhausted are sure to
// be complete, so the batch stops there.
func (s *Store) ucFetch(ctx context.Context, svc, user string, up bool, cursor string, n int) ([]ucRef, int, string, bool, error) {
	dir := "down"
	if up {
		dir = "up"
	}
	res, err := s.run(ctx, "uc_refs", s.svcKeys(svc, kUsers, kUserCh, kUserChZ, kIdInv, kIdInvZ), user, dir, cursor, n)
	if err != nil || res == nil {
		return nil, 0, "", false, err
	}
	l, _ := res.([]any)
	ms, is := strs(l[1]), strs(l[2])
	before := func(a, b string) bool { return a < b == up }
	bound := ""
	for _, side := range [][]string{ms, is} {
		if len(side)/2 == n {
			if last := side[len(side)-2]; bound == "" || before(last, bound) {
				bound = last
			}
		}
	}
	byCh := map[string]*ucRef{}
	var chs []string
	add := func(side []string, member bool) {
		for i := 0; i+1 < len(side); i += 2 {
			ch, v := side[i], side[i+1]
			if bound != "" && ch != bound && before(bound, ch) {
				break
			}
			r := byCh[ch]
			if r == nil {
				r = &ucRef{ch: ch}
				byCh[ch] = r
				chs = append(chs, ch)
			}
			if member {
				if v != "" && !strings.HasPrefix(v, "~") {
					r.member = v
				}
			} else {
				r.invite = v
			}
		}
	}
	add(ms, true)
	add(is, false)
	slices.Sort(chs)
	if !up {
		slices.Reverse(chs)
	}
	var out []ucRef
	for _, ch := range chs {
		if r := byCh[ch]; r.member != "" || r.invite != "" {
			if r.member != "" {
				r.invite = ""
			}
			out = append(out, *r)
		}
	}
	scanned, last := 0, ""
	if bound != "" {
		scanned, last = n, bound // more may follow
	} else if len(chs) > 0 {
		last = chs[len(chs)-1]
	}
	return out, scanned, last, true, nil
}

// GetUserChannel implements model.Store.
func (s *Store) GetUserChannel(ctx context.Context, serviceSID, userSID, channelSID string) (*model.UserChannel, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	u, err := getRec[model.User](s, ctx, s.sk(serviceSID, kUsers), userSID)
	if err != nil {
		return nil, err
	}
	ref := ucRef{ch: channelSID}
	mb, err := s.c.HGet(ctx, s.sk(serviceSID, kUserCh), userSID+"|"+channelSID).Result()
	if err == nil && !strings.HasPrefix(mb, "~") {
		ref.member = mb
	} else {
		inv, err := s.c.HGet(ctx, s.sk(serviceSID, kIdInv), hex.EncodeToString([]byte(u.Identity))+"|"+channelSID).Result()
		if err != nil {
			return nil, notFoundOr(s, err)
		}
		ref.invite = inv
	}
	rows, err := s.ucRows(ctx, serviceSID, []ucRef{ref})
	if err != nil {
		return nil, err
	}
	if rows[0] == nil {
		return nil, notFound()
	}
	return rows[0], nil
}

// notFoundOr maps go-redis's Nil to KindNotFound and fails other errors.
func notFoundOr(s *Store, err error) error {
	if errors.Is(err, goredis.Nil) {
		return notFound()
	}
	return s.fail(err)
}

// ListUserChannels implements model.Store: the user's memberships and the
// pending invites of its identity, merged in channel SID order (a channel
// with both is listed once, as a membership). A missing user gives
// KindNotFound.
func (s *Store) ListUserChannels(ctx context.Context, serviceSID, userSID string, p model.PageRequest) (model.Page[model.UserChannel], error) {
	if err := s.begin(ctx); err != nil {
		return model.Page[model.UserChannel]{}, err
	}
	fetch := func(ctx context.Context, up bool, cursor string, n int) ([]entry, int, string, bool, error) {
		refs, scanned, last, ok, err := s.ucFetch(ctx, serviceSID, userSID, up, cursor, n)
		if err != nil || !ok || len(refs) == 0 {
			return nil, scanned, last, ok, err
		}
		rows, err := s.ucRows(ctx, serviceSID, refs)
		if err != nil {
			return nil, 0, "", false, err
		}
		es := make([]entry, 0, len(rows))
		for i, r := range rows {
			if r != nil {
				es = append(es, entry{sid: refs[i].ch, uc: r})
			}
		}
		return es, scanned, last, true, nil
	}
	return pageOf(ctx, p, 0, fetch, func(e entry) (*model.UserChannel, bool, error) { return e.uc, true, nil })
}
