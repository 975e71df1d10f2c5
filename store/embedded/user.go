package embedded

import (
	"bytes"
	"context"
	"slices"

	"github.com/parleychat/parley/model"
)

// CreateUser implements model.Store. The service must exist (KindNotFound);
// JoinedChannelsCount starts at 0.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	return s.update(ctx, func(w *wtx) error {
		if err := w.needService(u.ServiceSID); err != nil {
			return err
		}
		idk := key(u.ServiceSID, u.Identity)
		if w.has(bUserByIdentity, idk) {
			return model.Errorf(model.KindConflict, model.CodeUserExists, "User with identity %q already exists", u.Identity)
		}
		c := *u
		c.JoinedChannelsCount = 0
		if err := w.insert(bUsers, key(u.ServiceSID, u.SID), &c); err != nil {
			return err
		}
		return w.put(bUserByIdentity, idk, []byte(u.SID))
	})
}

// GetUser implements model.Store.
func (s *Store) GetUser(ctx context.Context, serviceSID, sid string) (*model.User, error) {
	return get[model.User](s, ctx, bUsers, key(serviceSID, sid))
}

// GetUserByIdentity implements model.Store.
func (s *Store) GetUserByIdentity(ctx context.Context, serviceSID, identity string) (*model.User, error) {
	var out *model.User
	err := s.view(ctx, func(r *rtx) (err error) {
		sid := r.get(bUserByIdentity, key(serviceSID, identity))
		if sid == nil {
			return notFound()
		}
		out, err = load[model.User](r, bUsers, key(serviceSID, string(sid)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListUsers implements model.Store. A missing service gives KindNotFound.
func (s *Store) ListUsers(ctx context.Context, serviceSID string, p model.PageRequest) (model.Page[model.User], error) {
	var out model.Page[model.User]
	err := s.view(ctx, func(r *rtx) (err error) {
		if err := r.needService(serviceSID); err != nil {
			return err
		}
		out, err = listBucket[model.User](r, bUsers, key(serviceSID, ""), p, nil)
		return err
	})
	return out, err
}

// UpdateUser implements model.Store.
func (s *Store) UpdateUser(ctx context.Context, serviceSID, sid string, fn func(*model.User) error) (*model.User, error) {
	return modify(s, ctx, bUsers, key(serviceSID, sid), fn, func(_ *wtx, old, cur *model.User) error {
		cur.SID, cur.AccountSID, cur.ServiceSID = old.SID, old.AccountSID, old.ServiceSID
		cur.Identity, cur.JoinedChannelsCount = old.Identity, old.JoinedChannelsCount
		return nil
	})
}

// DeleteUser implements model.Store: the user's memberships (each channel's
// MembersCount goes down), the pending invites of its identity and its
// bindings go with it.
func (s *Store) DeleteUser(ctx context.Context, serviceSID, sid string) error {
	return s.update(ctx, func(w *wtx) error {
		u, err := load[model.User](&w.rtx, bUsers, key(serviceSID, sid))
		if err != nil {
			return err
		}
		for _, ref := range w.refs(bUserMembers, key(serviceSID, sid, "")) {
			if _, err := w.dropMember(serviceSID, ref.parent, ref.sid, true, false); err != nil {
				return err
			}
		}
		for _, ref := range w.refs(bIdentityInvites, key(serviceSID, idKey(u.Identity), "")) {
			if err := w.dropInvite(serviceSID, ref.parent, ref.sid); err != nil {
				return err
			}
		}
		for _, ref := range w.refs(bUserBindings, key(serviceSID, sid, "")) {
			if err := w.dropBinding(serviceSID, ref.parent); err != nil {
				return err
			}
		}
		if err := w.del(bUserByIdentity, key(serviceSID, u.Identity)); err != nil {
			return err
		}
		return w.del(bUsers, key(serviceSID, sid))
	})
}

// ref is one entry of an index bucket: the last key part and the value.
type ref struct {
	parent string // the last key part (a channel SID, a binding SID)
	sid    string // the value (a member or invite SID)
}

// refs reads the entries of index bucket b under prefix, so that the caller
// may then change the bucket.
func (r *rtx) refs(b, prefix []byte) []ref {
	var out []ref
	c := r.tx.Bucket(b).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		out = append(out, ref{parent: string(k[len(prefix):]), sid: string(v)})
	}
	return out
}

// CreateBinding implements model.Store. The user must exist (KindNotFound);
// an empty Identity is filled in with the user's.
func (s *Store) CreateBinding(ctx context.Context, b *model.Binding) error {
	return s.update(ctx, func(w *wtx) error {
		u, err := load[model.User](&w.rtx, bUsers, key(b.ServiceSID, b.UserSID))
		if err != nil {
			return err
		}
		c := *b
		if c.Identity == "" {
			c.Identity = u.Identity
		}
		if err := w.insert(bBindings, key(b.ServiceSID, b.SID), &c); err != nil {
			return err
		}
		return w.put(bUserBindings, key(b.ServiceSID, b.UserSID, b.SID), []byte{})
	})
}

// GetBinding implements model.Store.
func (s *Store) GetBinding(ctx context.Context, serviceSID, sid string) (*model.Binding, error) {
	return get[model.Binding](s, ctx, bBindings, key(serviceSID, sid))
}

// ListBindings implements model.Store. A missing service gives KindNotFound.
func (s *Store) ListBindings(ctx context.Context, serviceSID string, f model.BindingFilter, p model.PageRequest) (model.Page[model.Binding], error) {
	keep := func(b *model.Binding) bool {
		return (f.UserSID == "" || b.UserSID == f.UserSID) &&
			(len(f.Identities) == 0 || slices.Contains(f.Identities, b.Identity)) &&
			(len(f.BindingTypes) == 0 || slices.Contains(f.BindingTypes, b.BindingType))
	}
	var out model.Page[model.Binding]
	err := s.view(ctx, func(r *rtx) error {
		if err := r.needService(serviceSID); err != nil {
			return err
		}
		if f.UserSID == "" {
			var err error
			out, err = listBucket(r, bBindings, key(serviceSID, ""), p, keep)
			return err
		}
		// One user's bindings: walk its index instead of the service's.
		w, err := plan(p, false, sidPos)
		if err != nil {
			return err
		}
		seq := scan(r.tx.Bucket(bUserBindings), key(serviceSID, f.UserSID, ""), w.up, w.from)
		out, err = collect(w, seq, func(k, _ []byte) (*model.Binding, bool, error) {
			b, err := load[model.Binding](r, bBindings, key(serviceSID, string(k)))
			if err != nil {
				return nil, false, err
			}
			return b, keep(b), nil
		})
		return err
	})
	return out, err
}

// DeleteBinding implements model.Store.
func (s *Store) DeleteBinding(ctx context.Context, serviceSID, sid string) error {
	return s.update(ctx, func(w *wtx) error {
		if !w.has(bBindings, key(serviceSID, sid)) {
			return notFound()
		}
		return w.dropBinding(serviceSID, sid)
	})
}

// dropBinding deletes a binding and its index entry.
func (w *wtx) dropBinding(svc, sid string) error {
	b, err := load[model.Binding](&w.rtx, bBindings, key(svc, sid))
	if err != nil {
		return err
	}
	if err := w.del(bUserBindings, key(svc, b.UserSID, sid)); err != nil {
		return err
	}
	return w.del(bBindings, key(svc, sid))
}
