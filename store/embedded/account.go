package embedded

import (
	"context"

	"github.com/parleychat/parley/model"
)

// modify is the body shared by the Update methods: it loads the value of k,
// lets fn change it, lets fix restore what fn may not change (and maintain
// indexes; fix must check before it writes), and stores the result.
func modify[T any](s *Store, ctx context.Context, b, k []byte, fn func(*T) error, fix func(w *wtx, old, cur *T) error) (*T, error) {
	var out *T
	err := s.update(ctx, func(w *wtx) error {
		cur, err := load[T](&w.rtx, b, k)
		if err != nil {
			return err
		}
		old := *cur
		if err := fn(cur); err != nil {
			return err
		}
		if err := fix(w, &old, cur); err != nil {
			return err
		}
		if err := w.save(b, k, cur); err != nil {
			return err
		}
		out = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// get loads the value of k in a read transaction.
func get[T any](s *Store, ctx context.Context, b, k []byte) (*T, error) {
	var out *T
	err := s.view(ctx, func(r *rtx) (err error) {
		out, err = load[T](r, b, k)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// list pages through bucket b under prefix in a read transaction.
func list[T any](s *Store, ctx context.Context, b, prefix []byte, p model.PageRequest, keep func(*T) bool) (model.Page[T], error) {
	var out model.Page[T]
	err := s.view(ctx, func(r *rtx) (err error) {
		out, err = listBucket(r, b, prefix, p, keep)
		return err
	})
	return out, err
}

// insert stores v under k in bucket b, refusing a key already taken.
func (w *wtx) insert(b, k []byte, v any) error {
	if w.has(b, k) {
		return model.Errorf(model.KindConflict, model.CodeInvalidParam, "A resource with this SID already exists")
	}
	return w.save(b, k, v)
}

// remove deletes k from bucket b, or returns KindNotFound.
func (w *wtx) remove(b, k []byte) error {
	if !w.has(b, k) {
		return notFound()
	}
	return w.del(b, k)
}

// GetAccount implements model.Store.
func (s *Store) GetAccount(ctx context.Context) (*model.Account, error) {
	return get[model.Account](s, ctx, bMeta, keyAccount)
}

// PutAccount implements model.Store.
func (s *Store) PutAccount(ctx context.Context, a *model.Account) error {
	return s.update(ctx, func(w *wtx) error { return w.save(bMeta, keyAccount, a) })
}

// CreateKey implements model.Store.
func (s *Store) CreateKey(ctx context.Context, k *model.APIKey) error {
	return s.update(ctx, func(w *wtx) error { return w.insert(bKeys, key(k.SID), k) })
}

// GetKey implements model.Store.
func (s *Store) GetKey(ctx context.Context, sid string) (*model.APIKey, error) {
	return get[model.APIKey](s, ctx, bKeys, key(sid))
}

// ListKeys implements model.Store.
func (s *Store) ListKeys(ctx context.Context, p model.PageRequest) (model.Page[model.APIKey], error) {
	return list[model.APIKey](s, ctx, bKeys, nil, p, nil)
}

// UpdateKey implements model.Store.
func (s *Store) UpdateKey(ctx context.Context, sid string, fn func(*model.APIKey) error) (*model.APIKey, error) {
	return modify(s, ctx, bKeys, key(sid), fn, func(_ *wtx, old, cur *model.APIKey) error {
		cur.SID, cur.AccountSID = old.SID, old.AccountSID
		return nil
	})
}

// DeleteKey implements model.Store.
func (s *Store) DeleteKey(ctx context.Context, sid string) error {
	return s.update(ctx, func(w *wtx) error { return w.remove(bKeys, key(sid)) })
}

// CreateCredential implements model.Store.
func (s *Store) CreateCredential(ctx context.Context, c *model.Credential) error {
	return s.update(ctx, func(w *wtx) error { return w.insert(bCredentials, key(c.SID), c) })
}

// GetCredential implements model.Store.
func (s *Store) GetCredential(ctx context.Context, sid string) (*model.Credential, error) {
	return get[model.Credential](s, ctx, bCredentials, key(sid))
}

// ListCredentials implements model.Store.
func (s *Store) ListCredentials(ctx context.Context, p model.PageRequest) (model.Page[model.Credential], error) {
	return list[model.Credential](s, ctx, bCredentials, nil, p, nil)
}

// UpdateCredential implements model.Store.
func (s *Store) UpdateCredential(ctx context.Context, sid string, fn func(*model.Credential) error) (*model.Credential, error) {
	return modify(s, ctx, bCredentials, key(sid), fn, func(_ *wtx, old, cur *model.Credential) error {
		cur.SID, cur.AccountSID, cur.Type = old.SID, old.AccountSID, old.Type
		return nil
	})
}

// DeleteCredential implements model.Store.
func (s *Store) DeleteCredential(ctx context.Context, sid string) error {
	return s.update(ctx, func(w *wtx) error { return w.remove(bCredentials, key(sid)) })
}
