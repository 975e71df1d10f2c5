package redis

import (
	"context"

	"github.com/parleychat/parley/model"
	goredis "github.com/redis/go-redis/v9"
)

// GetAccount implements model.Store.
func (s *Store) GetAccount(ctx context.Context) (*model.Account, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	v, err := s.c.Get(ctx, s.gk(kAccount)).Result()
	if err == goredis.Nil {
		return nil, notFound()
	}
	if err != nil {
		return nil, s.fail(err)
	}
	return dec[model.Account](v)
}

// PutAccount implements model.Store (a SET: idempotent as it is).
func (s *Store) PutAccount(ctx context.Context, a *model.Account) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	js, err := enc(a)
	if err != nil {
		return err
	}
	return s.fail(s.c.Set(wctx(ctx), s.gk(kAccount), js, 0).Err())
}

// CreateKey implements model.Store.
func (s *Store) CreateKey(ctx context.Context, k *model.APIKey) error {
	return s.create(ctx, s.gk(kKeys), s.gk(kKeysZ), noGuard, k.SID, k, 0, nil, "", "")
}

// GetKey implements model.Store.
func (s *Store) GetKey(ctx context.Context, sid string) (*model.APIKey, error) {
	return getRec[model.APIKey](s, ctx, s.gk(kKeys), sid)
}

// ListKeys implements model.Store.
func (s *Store) ListKeys(ctx context.Context, p model.PageRequest) (model.Page[model.APIKey], error) {
	return listRecs[model.APIKey](s, ctx, s.gk(kKeysZ), s.gk(kKeys), noGuard, p)
}

// UpdateKey implements model.Store.
func (s *Store) UpdateKey(ctx context.Context, sid string, fn func(*model.APIKey) error) (*model.APIKey, error) {
	v, _, err := update(s, ctx, s.gk(kKeys), sid, casMode{mode: "plain"}, nil, fn, func(old, cur *model.APIKey) {
		cur.SID, cur.AccountSID = old.SID, old.AccountSID
	})
	return v, err
}

// DeleteKey implements model.Store.
func (s *Store) DeleteKey(ctx context.Context, sid string) error {
	_, err := s.del(ctx, s.gk(kKeys), s.gk(kKeysZ), sid, "plain", "", "")
	return err
}

// CreateCredential implements model.Store.
func (s *Store) CreateCredential(ctx context.Context, c *model.Credential) error {
	return s.create(ctx, s.gk(kCreds), s.gk(kCredsZ), noGuard, c.SID, c, 0, nil, "", "")
}

// GetCredential implements model.Store.
func (s *Store) GetCredential(ctx context.Context, sid string) (*model.Credential, error) {
	return getRec[model.Credential](s, ctx, s.gk(kCreds), sid)
}

// ListCredentials implements model.Store.
func (s *Store) ListCredentials(ctx context.Context, p model.PageRequest) (model.Page[model.Credential], error) {
	return listRecs[model.Credential](s, ctx, s.gk(kCredsZ), s.gk(kCreds), noGuard, p)
}

// UpdateCredential implements model.Store.
func (s *Store) UpdateCredential(ctx context.Context, sid string, fn func(*model.Credential) error) (*model.Credential, error) {
	v, _, err := update(s, ctx, s.gk(kCreds), sid, casMode{mode: "plain"}, nil, fn, func(old, cur *model.Credential) {
		cur.SID, cur.AccountSID, cur.Type = old.SID, old.AccountSID, old.Type
	})
	return v, err
}

// DeleteCredential implements model.Store.
func (s *Store) DeleteCredential(ctx context.Context, sid string) error {
	_, err := s.del(ctx, s.gk(kCreds), s.gk(kCredsZ), sid, "plain", "", "")
	return err
}
