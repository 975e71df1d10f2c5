package core

import (
	"context"

	"github.com/parleychat/parley/model"
)

// errNotAuthorized is what an end user gets for an action their roles do not
// allow (Twilio's 403/50107).
func errNotAuthorized() error {
	return model.Errorf(model.KindForbidden, model.CodeNotAuthorized, "User not authorized for command")
}

// can is the one authorisation hook of core. It lets a through when any of
// perms is held, and answers KindForbidden/50107 otherwise.
//
// The REST API (SourceAPI) authenticates with account credentials and is
// never permission-checked, as on Twilio. An end user (SourceSDK) holds the
// union of the permissions of their service role (User.RoleSID) and, when ch
// is not nil and they are a member of it, of their channel role
// (Member.RoleSID): reference section 4 infers that union from the service
// admin role carrying channel permissions such as deleteAnyMessage. A role
// that was deleted grants nothing. Callers pass both the "own" and "any"
// variant of a permission when the actor is the author or subject.
func (c *Core) can(ctx context.Context, a Actor, serviceSID string, ch *model.Channel, perms ...string) error {
	if a.Source != model.SourceSDK {
		return nil
	}
	if a.Identity == "" {
		return errNotAuthorized()
	}
	held, err := c.permissions(ctx, serviceSID, ch, a.Identity)
	if err != nil {
		return err
	}
	for _, p := range perms {
		if held[p] {
			return nil
		}
	}
	return errNotAuthorized()
}

// permissions returns the permission set of identity in svc, and in ch when
// it is not nil (see can).
func (c *Core) permissions(ctx context.Context, serviceSID string, ch *model.Channel, identity string) (map[string]bool, error) {
	held := map[string]bool{}
	addRole := func(sid string) error {
		if sid == "" {
			return nil
		}
		r, err := c.store.GetRole(ctx, serviceSID, sid)
		if err != nil {
			if model.KindOf(err) == model.KindNotFound {
				return nil
			}
			return err
		}
		for _, p := range r.Permissions {
			held[p] = true
		}
		return nil
	}
	u, err := c.store.GetUserByIdentity(ctx, serviceSID, identity)
	switch {
	case err == nil:
		if err := addRole(u.RoleSID); err != nil {
			return nil, err
		}
	case model.KindOf(err) != model.KindNotFound:
		return nil, err
	}
	if ch == nil {
		return held, nil
	}
	m, err := c.store.GetMemberByIdentity(ctx, serviceSID, ch.SID, identity)
	switch {
	case err == nil:
		if err := addRole(m.RoleSID); err != nil {
			return nil, err
		}
	case model.KindOf(err) != model.KindNotFound:
		return nil, err
	}
	return held, nil
}

// ownOrAny returns the permissions that allow acting on something whose
// author or subject is owner: the "any" permission always, the "own" one too
// when the actor is the owner.
func ownOrAny(a Actor, owner, own, anyPerm string) []string {
	if a.Source == model.SourceSDK && a.Identity != "" && a.Identity == owner {
		return []string{anyPerm, own}
	}
	return []string{anyPerm}
}
