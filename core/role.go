package core

import (
	"context"
	"slices"

	"github.com/parleychat/parley/model"
)

// Twilio codes of role validation.
const (
	codePermissionNotFound = 50104
	codeInvalidRoleType    = 50105
)

// RoleCreate holds the parameters of CreateRole.
type RoleCreate struct {
	FriendlyName string
	Type         string
	Permissions  []string
}

// RoleUpdate holds the parameters of UpdateRole. Permissions replaces the
// whole set and is required, as on Twilio.
type RoleUpdate struct {
	Permissions []string
}

// checkPermissions validates a role's permission list against its type and
// returns it without duplicates, in the order given.
func checkPermissions(perms []string, t model.RoleType) ([]string, error) {
	if len(perms) == 0 || len(perms) == 1 && perms[0] == "" {
		return nil, missing("Permission")
	}
	out := make([]string, 0, len(perms))
	for _, p := range perms {
		if !model.PermissionValid(p, t) {
			return nil, invalid(codePermissionNotFound, "Permission not found: %q is not a %s permission", p, t)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// CreateRole creates a role in a service.
func (c *Core) CreateRole(ctx context.Context, a Actor, serviceSID string, in RoleCreate) (*model.Role, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	if err := checkRequiredName(in.FriendlyName, MaxRoleFriendlyName); err != nil {
		return nil, err
	}
	if in.Type == "" {
		return nil, missing("Type")
	}
	t := model.RoleType(in.Type)
	if t != model.RoleChannel && t != model.RoleDeployment {
		return nil, invalid(codeInvalidRoleType, "Invalid parameter Type: want channel or deployment")
	}
	perms, err := checkPermissions(in.Permissions, t)
	if err != nil {
		return nil, err
	}
	now := c.nowUTC()
	r := &model.Role{SID: model.NewSID(model.PrefixRole), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		FriendlyName: in.FriendlyName, Type: t, Permissions: perms, DateCreated: now, DateUpdated: now}
	if err := c.store.CreateRole(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// GetRole returns a role of a service.
func (c *Core) GetRole(ctx context.Context, a Actor, serviceSID, sid string) (*model.Role, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	return c.role(ctx, svc.SID, sid)
}

// ListRoles lists a service's roles.
func (c *Core) ListRoles(ctx context.Context, a Actor, serviceSID string, pp PageParams) ([]model.Role, PageInfo, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, PageInfo{}, err
	}
	return listPage(shapeRoles, pp, func(pr model.PageRequest) (model.Page[model.Role], error) {
		return c.store.ListRoles(ctx, svc.SID, pr)
	}, func(r *model.Role) string { return r.SID })
}

// UpdateRole replaces a role's permissions.
func (c *Core) UpdateRole(ctx context.Context, a Actor, serviceSID, sid string, in RoleUpdate) (*model.Role, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	r, err := c.role(ctx, svc.SID, sid)
	if err != nil {
		return nil, err
	}
	perms, err := checkPermissions(in.Permissions, r.Type)
	if err != nil {
		return nil, err
	}
	now := c.nowUTC()
	out, err := c.store.UpdateRole(ctx, svc.SID, r.SID, func(r *model.Role) error {
		r.Permissions = perms
		r.DateUpdated = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventRoleUpdated, AccountSID: out.AccountSID, ServiceSID: svc.SID, Role: out})
	return out, nil
}

// DeleteRole deletes a role. A role the service names as one of its
// default roles cannot be deleted: new users and members would get a role
// that no longer exists. Users and members holding a deleted role keep its
// SID.
func (c *Core) DeleteRole(ctx context.Context, a Actor, serviceSID, sid string) error {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return err
	}
	r, err := c.role(ctx, svc.SID, sid)
	if err != nil {
		return err
	}
	for _, d := range []struct{ field, sid string }{
		{"default_service_role_sid", svc.DefaultServiceRoleSID},
		{"default_channel_role_sid", svc.DefaultChannelRoleSID},
		{"default_channel_creator_role_sid", svc.DefaultChannelCreatorRoleSID},
	} {
		if d.sid == r.SID {
			return invalid(model.CodeInvalidParam,
				"Role %s is the service's %s; point the service at another role before deleting it", r.SID, d.field)
		}
	}
	if err := c.store.DeleteRole(ctx, svc.SID, r.SID); err != nil {
		return err
	}
	c.emit(ctx, a, model.Event{Type: model.EventRoleRemoved, AccountSID: r.AccountSID, ServiceSID: svc.SID, Role: r})
	return nil
}
