package core

import (
	"context"

	"github.com/parleychat/parley/model"
)

// UserCreate holds the parameters of CreateUser.
type UserCreate struct {
	Identity     string
	RoleSID      string // "" means the service's default service role
	Attributes   string
	FriendlyName string
}

// UserUpdate holds the parameters of UpdateUser; nil fields are left as
// they are. An empty FriendlyName clears it.
type UserUpdate struct {
	RoleSID      *string
	Attributes   *string
	FriendlyName *string
}

// CreateUser creates a user in a service.
func (c *Core) CreateUser(ctx context.Context, a Actor, serviceSID string, in UserCreate) (*model.User, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	if err := checkIdentity(in.Identity); err != nil {
		return nil, err
	}
	if err := checkAttributes(in.Attributes); err != nil {
		return nil, err
	}
	if err := checkLen("FriendlyName", in.FriendlyName, MaxFriendlyName, codeFriendlyNameTooLong); err != nil {
		return nil, err
	}
	role := svc.DefaultServiceRoleSID
	if in.RoleSID != "" {
		if err := c.checkServiceRole(ctx, svc.SID, "RoleSid", in.RoleSID, model.RoleDeployment, codeDeploymentRoleNotFound); err != nil {
			return nil, err
		}
		role = in.RoleSID
	}
	now := c.nowUTC()
	u := &model.User{SID: model.NewSID(model.PrefixUser), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		Identity: in.Identity, FriendlyName: in.FriendlyName, Attributes: attributesOrEmpty(in.Attributes),
		RoleSID: role, DateCreated: now, DateUpdated: now}
	if err := c.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventUserAdded, AccountSID: u.AccountSID, ServiceSID: svc.SID, User: u})
	return u, nil
}

// GetUser returns a user named by SID or identity.
func (c *Core) GetUser(ctx context.Context, a Actor, serviceSID, key string) (*model.User, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	return c.user(ctx, svc.SID, key)
}

// ListUsers lists a service's users.
func (c *Core) ListUsers(ctx context.Context, a Actor, serviceSID string, pp PageParams) ([]model.User, PageInfo, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, PageInfo{}, err
	}
	return listPage(shapeUsers, pp, func(pr model.PageRequest) (model.Page[model.User], error) {
		return c.store.ListUsers(ctx, svc.SID, pr)
	}, func(u *model.User) string { return u.SID })
}

// UpdateUser changes a user's role, attributes or friendly name. End users
// need editOwnUserInfo or editAnyUserInfo and cannot change roles.
func (c *Core) UpdateUser(ctx context.Context, a Actor, serviceSID, key string, in UserUpdate) (*model.User, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	u, err := c.user(ctx, svc.SID, key)
	if err != nil {
		return nil, err
	}
	if in.RoleSID == nil && in.Attributes == nil && in.FriendlyName == nil {
		return nil, invalid(model.CodeNoUpdateParams, "No parameters to update")
	}
	if a.Source == model.SourceSDK {
		// An end user edits user info with editOwnUserInfo (themselves) or
		// editAnyUserInfo; no permission lets them change a service role.
		if in.RoleSID != nil {
			return nil, errNotAuthorized()
		}
		if err := c.can(ctx, a, svc.SID, nil, ownOrAny(a, u.Identity, model.PermEditOwnUserInfo, model.PermEditAnyUserInfo)...); err != nil {
			return nil, err
		}
	}
	if in.Attributes != nil {
		if err := checkAttributes(*in.Attributes); err != nil {
			return nil, err
		}
	}
	if in.FriendlyName != nil {
		if err := checkLen("FriendlyName", *in.FriendlyName, MaxFriendlyName, codeFriendlyNameTooLong); err != nil {
			return nil, err
		}
	}
	if in.RoleSID != nil {
		if err := c.checkServiceRole(ctx, svc.SID, "RoleSid", *in.RoleSID, model.RoleDeployment, codeDeploymentRoleNotFound); err != nil {
			return nil, err
		}
	}
	now := c.nowUTC()
	out, err := c.store.UpdateUser(ctx, svc.SID, u.SID, func(u *model.User) error {
		if in.RoleSID != nil {
			u.RoleSID = *in.RoleSID
		}
		if in.Attributes != nil {
			u.Attributes = attributesOrEmpty(*in.Attributes)
		}
		if in.FriendlyName != nil {
			u.FriendlyName = *in.FriendlyName
		}
		u.DateUpdated = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := c.reachability(ctx, svc, out)
	c.emit(ctx, a, model.Event{Type: model.EventUserUpdated, AccountSID: out.AccountSID, ServiceSID: svc.SID, User: out,
		IsOnline: r.Online, IsNotifiable: r.Notifiable})
	return out, nil
}

// DeleteUser deletes a user with its memberships, invites and bindings (the
// store cascades).
func (c *Core) DeleteUser(ctx context.Context, a Actor, serviceSID, key string) error {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return err
	}
	u, err := c.user(ctx, svc.SID, key)
	if err != nil {
		return err
	}
	if err := c.store.DeleteUser(ctx, svc.SID, u.SID); err != nil {
		return err
	}
	c.emit(ctx, a, model.Event{Type: model.EventUserRemoved, AccountSID: u.AccountSID, ServiceSID: svc.SID, User: u})
	return nil
}
