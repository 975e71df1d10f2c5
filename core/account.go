package core

import (
	"context"

	"github.com/parleychat/parley/model"
)

// Principal is who a REST request authenticated as.
type Principal struct {
	AccountSID string
	// KeySID is the API key used, or "" for the account's auth token.
	KeySID string
}

// EnsureAccount makes sure the root account exists and returns it.
//
// With sid and token given (both or neither), the stored account takes them,
// replacing any earlier credentials. With neither, a stored account is
// returned as is, or a new one is generated; generated is then the new auth
// token in the clear, for the caller to show once (it is stored sealed).
func (c *Core) EnsureAccount(ctx context.Context, sid, token string) (acct *model.Account, generated string, err error) {
	if (sid == "") != (token == "") {
		return nil, "", invalid(model.CodeInvalidParam, "account SID and auth token must be given together")
	}
	if sid != "" {
		if !model.IsSID(model.PrefixAccount, sid) {
			return nil, "", invalid(50006, "Invalid Account SID: want AC followed by 32 hex digits")
		}
		if !alphanumeric(token) || len(token) < 16 {
			return nil, "", invalid(model.CodeInvalidParam, "auth token must be at least 16 letters or digits")
		}
	}
	now := c.nowUTC()
	old, err := c.store.GetAccount(ctx)
	switch {
	case err == nil && sid == "":
		return old, "", nil
	case err == nil && old.SID == sid && c.sealer.matches(sid, old.AuthToken, token):
		return old, "", nil
	case err != nil && model.KindOf(err) != model.KindNotFound:
		return nil, "", err
	}
	if sid == "" {
		sid, token = model.NewSID(model.PrefixAccount), model.NewSecret(16)
		generated = token
	}
	acct = &model.Account{SID: sid, FriendlyName: "Parley account", AuthToken: c.sealer.seal(sid, []byte(token)),
		DateCreated: now, DateUpdated: now}
	if old != nil {
		acct.DateCreated = old.DateCreated
	}
	if err := c.store.PutAccount(ctx, acct); err != nil {
		return nil, "", err
	}
	return acct, generated, nil
}

// Account returns the root account.
func (c *Core) Account(ctx context.Context) (*model.Account, error) {
	return c.store.GetAccount(ctx)
}

// Authenticate checks HTTP basic credentials: the account SID and auth
// token, or an API key SID and secret.
func (c *Core) Authenticate(ctx context.Context, username, password string) (Principal, error) {
	denied := model.Errorf(model.KindUnauthenticated, model.CodeAuthenticate, "Authenticate")
	switch {
	case model.IsSID(model.PrefixAccount, username):
		acct, err := c.store.GetAccount(ctx)
		if err != nil {
			if model.KindOf(err) == model.KindNotFound {
				return Principal{}, denied
			}
			return Principal{}, err
		}
		if acct.SID != username || !c.sealer.matches(acct.SID, acct.AuthToken, password) {
			return Principal{}, denied
		}
		return Principal{AccountSID: acct.SID}, nil
	case model.IsSID(model.PrefixKey, username):
		k, err := c.store.GetKey(ctx, username)
		if err != nil {
			if model.KindOf(err) == model.KindNotFound {
				return Principal{}, denied
			}
			return Principal{}, err
		}
		if !c.sealer.matches(k.SID, k.Secret, password) {
			return Principal{}, denied
		}
		return Principal{AccountSID: k.AccountSID, KeySID: k.SID}, nil
	}
	return Principal{}, denied
}

// CreateKey creates an API key and returns it with its secret in the clear;
// the secret is never available again.
func (c *Core) CreateKey(ctx context.Context, friendlyName string) (*model.APIKey, string, error) {
	if err := checkLen("FriendlyName", friendlyName, MaxFriendlyName, codeFriendlyNameTooLong); err != nil {
		return nil, "", err
	}
	acct, err := c.store.GetAccount(ctx)
	if err != nil {
		return nil, "", err
	}
	now := c.nowUTC()
	secret := model.NewSecret(16)
	k := &model.APIKey{SID: model.NewSID(model.PrefixKey), AccountSID: acct.SID, FriendlyName: friendlyName,
		DateCreated: now, DateUpdated: now}
	k.Secret = c.sealer.seal(k.SID, []byte(secret))
	if err := c.store.CreateKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// GetKey returns an API key (without its secret).
func (c *Core) GetKey(ctx context.Context, sid string) (*model.APIKey, error) {
	if !model.IsSID(model.PrefixKey, sid) {
		return nil, notFound("Key")
	}
	return c.store.GetKey(ctx, sid)
}

// ListKeys lists API keys.
func (c *Core) ListKeys(ctx context.Context, pp PageParams) ([]model.APIKey, PageInfo, error) {
	return listPage(shapeKeys, pp, func(pr model.PageRequest) (model.Page[model.APIKey], error) {
		return c.store.ListKeys(ctx, pr)
	}, func(k *model.APIKey) string { return k.SID })
}

// UpdateKey renames an API key.
func (c *Core) UpdateKey(ctx context.Context, sid string, friendlyName *string) (*model.APIKey, error) {
	if !model.IsSID(model.PrefixKey, sid) {
		return nil, notFound("Key")
	}
	if friendlyName != nil {
		if err := checkLen("FriendlyName", *friendlyName, MaxFriendlyName, codeFriendlyNameTooLong); err != nil {
			return nil, err
		}
	}
	now := c.nowUTC()
	return c.store.UpdateKey(ctx, sid, func(k *model.APIKey) error {
		if friendlyName != nil {
			k.FriendlyName = *friendlyName
		}
		k.DateUpdated = now
		return nil
	})
}

// DeleteKey revokes an API key: it no longer authenticates requests or
// verifies tokens.
func (c *Core) DeleteKey(ctx context.Context, sid string) error {
	if !model.IsSID(model.PrefixKey, sid) {
		return notFound("Key")
	}
	return c.store.DeleteKey(ctx, sid)
}

// KeySecret returns an API key's account and secret, for verifying access
// tokens it signed.
func (c *Core) KeySecret(ctx context.Context, sid string) (accountSID string, secret []byte, err error) {
	if !model.IsSID(model.PrefixKey, sid) {
		return "", nil, notFound("Key")
	}
	k, err := c.store.GetKey(ctx, sid)
	if err != nil {
		return "", nil, err
	}
	secret, err = c.sealer.open(k.SID, k.Secret)
	if err != nil {
		return "", nil, err
	}
	return k.AccountSID, secret, nil
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
