package core

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/parleychat/parley/model"
)

// Credential field limits.
const (
	MaxCredentialFriendlyName = 64        // spec: "up to 64 characters"
	MaxCredentialSecret       = 16 * 1024 // bytes of a certificate, key or secret
)

// CredentialCreate holds the parameters of CreateCredential.
type CredentialCreate struct {
	Type         string
	FriendlyName string
	Certificate  string
	PrivateKey   string
	Sandbox      *bool
	APIKey       string
	Secret       string
}

// CredentialUpdate holds the parameters of UpdateCredential; nil fields
// are left as they are. The type cannot change.
type CredentialUpdate struct {
	FriendlyName *string
	Certificate  *string
	PrivateKey   *string
	Sandbox      *bool
	APIKey       *string
	Secret       *string
}

// credentialSecrets is what a credential keeps sealed: it is never
// returned, only used to send push notifications.
type credentialSecrets struct {
	Certificate string `json:"certificate,omitempty"`
	PrivateKey  string `json:"private_key,omitempty"`
	APIKey      string `json:"api_key,omitempty"`
	Secret      string `json:"secret,omitempty"`
}

func checkSecrets(fields map[string]*string) error {
	for name, v := range fields {
		if v != nil && len(*v) > MaxCredentialSecret {
			return invalid(model.CodeInvalidParam, "Invalid parameter %s: at most %d bytes", name, MaxCredentialSecret)
		}
	}
	return nil
}

// sandboxString renders Sandbox as Twilio does: a string, "True" or "False".
func sandboxString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func (c *Core) sealSecrets(sid string, s credentialSecrets) []byte {
	b, _ := json.Marshal(s) // cannot fail: strings only
	return c.sealer.seal(sid, b)
}

// credential returns a credential of the account.
func (c *Core) credential(ctx context.Context, sid string) (*model.Credential, error) {
	if !model.IsSID(model.PrefixCredential, sid) {
		return nil, notFound("Credential")
	}
	return c.store.GetCredential(ctx, sid)
}

// CreateCredential stores a push credential; its secrets are sealed at rest
// and never returned.
func (c *Core) CreateCredential(ctx context.Context, a Actor, in CredentialCreate) (*model.Credential, error) {
	if in.Type == "" {
		return nil, missing("Type")
	}
	if !slices.Contains(pushTypes, in.Type) {
		return nil, invalid(model.CodeInvalidParam, "Invalid parameter Type: want apn, gcm or fcm")
	}
	if err := checkLen("FriendlyName", in.FriendlyName, MaxCredentialFriendlyName, codeFriendlyNameTooLong); err != nil {
		return nil, err
	}
	if err := checkSecrets(map[string]*string{"Certificate": &in.Certificate, "PrivateKey": &in.PrivateKey,
		"ApiKey": &in.APIKey, "Secret": &in.Secret}); err != nil {
		return nil, err
	}
	acct, err := c.store.GetAccount(ctx)
	if err != nil {
		return nil, err
	}
	now := c.nowUTC()
	cr := &model.Credential{SID: model.NewSID(model.PrefixCredential), AccountSID: acct.SID,
		FriendlyName: in.FriendlyName, Type: in.Type, DateCreated: now, DateUpdated: now}
	if in.Sandbox != nil {
		cr.Sandbox = sandboxString(*in.Sandbox)
	}
	cr.Secrets = c.sealSecrets(cr.SID, credentialSecrets{Certificate: in.Certificate, PrivateKey: in.PrivateKey,
		APIKey: in.APIKey, Secret: in.Secret})
	if err := c.store.CreateCredential(ctx, cr); err != nil {
		return nil, err
	}
	return cr, nil
}

// GetCredential returns a push credential (without its secrets).
func (c *Core) GetCredential(ctx context.Context, a Actor, sid string) (*model.Credential, error) {
	return c.credential(ctx, sid)
}

// ListCredentials lists push credentials.
func (c *Core) ListCredentials(ctx context.Context, a Actor, pp PageParams) ([]model.Credential, PageInfo, error) {
	return listPage(shapeCredentials, pp, func(pr model.PageRequest) (model.Page[model.Credential], error) {
		return c.store.ListCredentials(ctx, pr)
	}, func(c *model.Credential) string { return c.SID })
}

// UpdateCredential changes a push credential; secrets not sent are kept.
func (c *Core) UpdateCredential(ctx context.Context, a Actor, sid string, in CredentialUpdate) (*model.Credential, error) {
	cr, err := c.credential(ctx, sid)
	if err != nil {
		return nil, err
	}
	if in.FriendlyName == nil && in.Certificate == nil && in.PrivateKey == nil && in.Sandbox == nil &&
		in.APIKey == nil && in.Secret == nil {
		return nil, invalid(model.CodeNoUpdateParams, "No parameters to update")
	}
	if in.FriendlyName != nil {
		if err := checkLen("FriendlyName", *in.FriendlyName, MaxCredentialFriendlyName, codeFriendlyNameTooLong); err != nil {
			return nil, err
		}
	}
	if err := checkSecrets(map[string]*string{"Certificate": in.Certificate, "PrivateKey": in.PrivateKey,
		"ApiKey": in.APIKey, "Secret": in.Secret}); err != nil {
		return nil, err
	}
	now := c.nowUTC()
	return c.store.UpdateCredential(ctx, cr.SID, func(cr *model.Credential) error {
		var s credentialSecrets
		if plain, err := c.sealer.open(cr.SID, cr.Secrets); err == nil {
			_ = json.Unmarshal(plain, &s) // sealed by us: always valid JSON
		} else if len(cr.Secrets) > 0 {
			return err
		}
		for _, f := range []struct {
			dst *string
			v   *string
		}{{&s.Certificate, in.Certificate}, {&s.PrivateKey, in.PrivateKey}, {&s.APIKey, in.APIKey}, {&s.Secret, in.Secret}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if in.FriendlyName != nil {
			cr.FriendlyName = *in.FriendlyName
		}
		if in.Sandbox != nil {
			cr.Sandbox = sandboxString(*in.Sandbox)
		}
		cr.Secrets = c.sealSecrets(cr.SID, s)
		cr.DateUpdated = now
		return nil
	})
}

// DeleteCredential deletes a push credential.
func (c *Core) DeleteCredential(ctx context.Context, a Actor, sid string) error {
	cr, err := c.credential(ctx, sid)
	if err != nil {
		return err
	}
	return c.store.DeleteCredential(ctx, cr.SID)
}
