package redis

import (
	"context"
	"slices"
	"strings"

	"github.com/parleychat/parley/model"
	goredis "github.com/redis/go-redis/v9"
)

// userRecord is the stored JSON of a user: JoinedChannelsCount lives in
// the counts hash.
func userRecord(u *model.User) (string, error) {
	r := *u
	r.JoinedChannelsCount = 0
	return enc(&r)
}

// decUser decodes a user record and its count.
func decUser(rec, count string) (*model.User, error) {
	u, err := dec[model.User](rec)
	if err != nil {
		return nil, err
	}
	u.JoinedChannelsCount = atoi(count)
	return u, nil
}

// CreateUser implements model.Store: one script in the service's slot
// (identity check, record, count, list, identity index).
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	js, err := userRecord(u)
	if err != nil {
		return err
	}
	st, err := s.runStr(wctx(ctx), "user_create", s.svcKeys(u.ServiceSID, kSvc, kUsers, kCounts, kUsersZ, kIdentity),
		u.SID, u.Identity, js)
	if err != nil {
		return err
	}
	if st == "taken" {
		return model.Errorf(model.KindConflict, model.CodeUserExists, "User with identity %q already exists", u.Identity)
	}
	return createStatus(st, nil)
}

// GetUser implements model.Store.
func (s *Store) GetUser(ctx context.Context, serviceSID, sid string) (*model.User, error) {
	u, _, err := s.getUser(ctx, serviceSID, sid)
	return u, err
}

// getUser reads a user's record and count in one MULTI, and returns the
// user and its raw record.
func (s *Store) getUser(ctx context.Context, serviceSID, sid string) (*model.User, string, error) {
	if err := s.begin(ctx); err != nil {
		return nil, "", err
	}
	var rec, cnt *goredis.StringCmd
	_, err := s.c.TxPipelined(ctx, func(pl goredis.Pipeliner) error {
		rec = pl.HGet(ctx, s.sk(serviceSID, kUsers), sid)
		cnt = pl.HGet(ctx, s.sk(serviceSID, kCounts), sid)
		return nil
	})
	if err == goredis.Nil || rec != nil && rec.Err() == goredis.Nil {
		return nil, "", notFound()
	}
	if err != nil {
		return nil, "", s.fail(err)
	}
	u, err := decUser(rec.Val(), cnt.Val())
	return u, rec.Val(), err
}

// GetUserByIdentity implements model.Store.
func (s *Store) GetUserByIdentity(ctx context.Context, serviceSID, identity string) (*model.User, error) {
	sid, err := s.hget(ctx, s.sk(serviceSID, kIdentity), identity)
	if err != nil {
		return nil, err
	}
	return s.GetUser(ctx, serviceSID, sid)
}

// ListUsers implements model.Store. A missing service gives KindNotFound.
func (s *Store) ListUsers(ctx context.Context, serviceSID string, p model.PageRequest) (model.Page[model.User], error) {
	if err := s.begin(ctx); err != nil {
		return model.Page[model.User]{}, err
	}
	fetch := s.pageScript(s.sk(serviceSID, kUsersZ), s.sk(serviceSID, kUsers), "",
		guard{mode: "exists", key: s.sk(serviceSID, kSvc)}, s.sk(serviceSID, kCounts))
	return pageOf(ctx, p, 0, fetch, func(e entry) (*model.User, bool, error) {
		u, err := decUser(e.val, e.n)
		return u, err == nil, err
	})
}

// UpdateUser implements model.Store. fn sees the user with its current
// JoinedChannelsCount; the count is not part of the compare-and-set (it
// is the store's, and AddMember changes it without touching the record).
func (s *Store) UpdateUser(ctx context.Context, serviceSID, sid string, fn func(*model.User) error) (*model.User, error) {
	var count int
	read := func(ctx context.Context) (string, error) {
		u, rec, err := s.getUser(ctx, serviceSID, sid)
		if err != nil {
			return "", err
		}
		count = u.JoinedChannelsCount
		return rec, nil
	}
	withCount := func(u *model.User) error {
		u.JoinedChannelsCount = count
		return fn(u)
	}
	u, n, err := update(s, ctx, s.sk(serviceSID, kUsers), sid, casMode{mode: "count", key: s.sk(serviceSID, kCounts)}, read, withCount,
		func(old, cur *model.User) {
			cur.SID, cur.AccountSID, cur.ServiceSID = old.SID, old.AccountSID, old.ServiceSID
			cur.Identity, cur.JoinedChannelsCount = old.Identity, 0
		})
	if err != nil {
		return nil, err
	}
	u.JoinedChannelsCount = atoi(n)
	return u, nil
}

// DeleteUser implements model.Store, in steps: (1) one script in the
// service's slot removes the user, its identity, bindings and index
// entries and records the channel-side work left in the pending hash;
// (2) its memberships (each advancing its channel's seq) and its pending
// invites are removed in the channels' slots (pipelined); (3) the pending
// entry goes. After (1) the user is gone; until (2) ends its memberships
// may still be listed by their channels. A call that fails after (1) is
// finished by calling DeleteUser again.
func (s *Store) DeleteUser(ctx context.Context, serviceSID, sid string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	w := wctx(ctx)
	keys := append([]string{s.op(s.sk(serviceSID, kUsers))}, s.svcKeys(serviceSID, kUsers, kCounts, kUsersZ, kIdentity,
		kUserCh, kUserChZ, kIdInv, kIdInvZ, kBindings, kBindingsZ, kUserBindZ, kPending)...)
	st, l, err := s.runList(w, "user_delete", keys, s.opTTL, sid)
	if err != nil {
		return err
	}
	if st == "notfound" {
		return notFound()
	}
	if st != "ok" {
		return errUnexpected(st)
	}
	var members, invites []call
	for line := range strings.SplitSeq(str(l[1]), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		switch ch, rec := f[1], f[2]; f[0] {
		case "M":
			members = append(members, call{
				keys: append([]string{s.op(s.ck(ch, kChan))}, s.chanKeys(ch, kChan, kMembers, kMembersZ, kMemberID)...),
				args: []any{s.opTTL, serviceSID, rec}})
		case "I":
			invites = append(invites, call{
				keys: append([]string{s.op(s.ck(ch, kChan))}, s.chanKeys(ch, kChan, kInvites, kInvitesZ, kInviteID)...),
				args: []any{s.opTTL, serviceSID, rec}})
		}
	}
	if _, err := s.runPipe(w, "member_remove", members); err != nil {
		return err
	}
	if _, err := s.runPipe(w, "invite_remove", invites); err != nil {
		return err
	}
	return s.fail(s.c.HDel(w, s.sk(serviceSID, kPending), sid).Err())
}

// CreateBinding implements model.Store. The user must exist
// (KindNotFound); Identity is the user's.
func (s *Store) CreateBinding(ctx context.Context, b *model.Binding) error {
	u, err := s.GetUser(ctx, b.ServiceSID, b.UserSID)
	if err != nil {
		return err
	}
	c := *b
	c.Identity = u.Identity
	return s.create(ctx, s.sk(b.ServiceSID, kBindings), s.sk(b.ServiceSID, kBindingsZ),
		guard{mode: "hfield", key: s.sk(b.ServiceSID, kUsers), arg: b.UserSID}, b.SID, &c, 0, nil,
		s.sk(b.ServiceSID, kUserBindZ), b.UserSID+"|"+b.SID)
}

// GetBinding implements model.Store.
func (s *Store) GetBinding(ctx context.Context, serviceSID, sid string) (*model.Binding, error) {
	return getRec[model.Binding](s, ctx, s.sk(serviceSID, kBindings), sid)
}

// ListBindings implements model.Store. A missing service gives
// KindNotFound. A user's bindings are read from its index.
func (s *Store) ListBindings(ctx context.Context, serviceSID string, f model.BindingFilter, p model.PageRequest) (model.Page[model.Binding], error) {
	if err := s.begin(ctx); err != nil {
		return model.Page[model.Binding]{}, err
	}
	z, prefix := s.sk(serviceSID, kBindingsZ), ""
	if f.UserSID != "" {
		z, prefix = s.sk(serviceSID, kUserBindZ), f.UserSID+"|"
	}
	fetch := s.pageScript(z, s.sk(serviceSID, kBindings), prefix, guard{mode: "exists", key: s.sk(serviceSID, kSvc)}, "")
	batch := 0
	if len(f.Identities) > 0 || len(f.BindingTypes) > 0 {
		batch = 64
	}
	return pageOf(ctx, p, batch, fetch, func(e entry) (*model.Binding, bool, error) {
		b, err := dec[model.Binding](e.val)
		if err != nil {
			return nil, false, err
		}
		return b, (f.UserSID == "" || b.UserSID == f.UserSID) &&
			(len(f.Identities) == 0 || slices.Contains(f.Identities, b.Identity)) &&
			(len(f.BindingTypes) == 0 || slices.Contains(f.BindingTypes, b.BindingType)), nil
	})
}

// DeleteBinding implements model.Store.
func (s *Store) DeleteBinding(ctx context.Context, serviceSID, sid string) error {
	b, err := s.GetBinding(ctx, serviceSID, sid)
	if err != nil {
		return err
	}
	_, err = s.del(ctx, s.sk(serviceSID, kBindings), s.sk(serviceSID, kBindingsZ), sid, "extra",
		s.sk(serviceSID, kUserBindZ), b.UserSID+"|"+sid)
	return err
}
