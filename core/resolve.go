package core

import (
	"context"

	"github.com/parleychat/parley/model"
)

// Resolvers turn path segments into entities. A segment that matches the
// SID pattern is looked up as a SID, anything else as a name (unique name,
// identity), which is why names may not look like SIDs.

// service returns the service with the given SID.
func (c *Core) service(ctx context.Context, sid string) (*model.Service, error) {
	if !model.IsSID(model.PrefixService, sid) {
		return nil, notFound("Service")
	}
	return c.store.GetService(ctx, sid)
}

// channel returns the channel of the service named by SID or unique name.
func (c *Core) channel(ctx context.Context, serviceSID, key string) (*model.Channel, error) {
	if key == "" {
		return nil, notFound("Channel")
	}
	if model.IsSID(model.PrefixChannel, key) {
		return c.store.GetChannel(ctx, serviceSID, key)
	}
	return c.store.GetChannelByUniqueName(ctx, serviceSID, key)
}

// user returns the user of the service named by SID or identity.
func (c *Core) user(ctx context.Context, serviceSID, key string) (*model.User, error) {
	if key == "" {
		return nil, notFound("User")
	}
	if model.IsSID(model.PrefixUser, key) {
		return c.store.GetUser(ctx, serviceSID, key)
	}
	return c.store.GetUserByIdentity(ctx, serviceSID, key)
}

// member returns the member of the channel named by SID or identity.
func (c *Core) member(ctx context.Context, serviceSID, channelSID, key string) (*model.Member, error) {
	if key == "" {
		return nil, notFound("Member")
	}
	if model.IsSID(model.PrefixMember, key) {
		return c.store.GetMember(ctx, serviceSID, channelSID, key)
	}
	return c.store.GetMemberByIdentity(ctx, serviceSID, channelSID, key)
}

// role returns the role of the service with the given SID.
func (c *Core) role(ctx context.Context, serviceSID, sid string) (*model.Role, error) {
	if !model.IsSID(model.PrefixRole, sid) {
		return nil, notFound("Role")
	}
	return c.store.GetRole(ctx, serviceSID, sid)
}

// serviceChannel resolves a service SID and a channel key together, the
// first step of every channel-scoped action.
func (c *Core) serviceChannel(ctx context.Context, serviceSID, channelKey string) (*model.Service, *model.Channel, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, nil, err
	}
	ch, err := c.channel(ctx, svc.SID, channelKey)
	if err != nil {
		return nil, nil, err
	}
	return svc, ch, nil
}

// ensureUser returns the user with the identity, creating it with the
// service's default role when it does not exist yet (Twilio creates users
// implicitly when a member is added or a client first connects).
func (c *Core) ensureUser(ctx context.Context, a Actor, svc *model.Service, identity string) (*model.User, error) {
	u, err := c.store.GetUserByIdentity(ctx, svc.SID, identity)
	if err == nil || model.KindOf(err) != model.KindNotFound {
		return u, err
	}
	if err := checkIdentity(identity); err != nil {
		return nil, err
	}
	now := c.nowUTC()
	u = &model.User{SID: model.NewSID(model.PrefixUser), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		Identity: identity, Attributes: "{}", RoleSID: svc.DefaultServiceRoleSID, DateCreated: now, DateUpdated: now}
	if err := c.store.CreateUser(ctx, u); err != nil {
		if model.CodeOf(err) == model.CodeUserExists { // created concurrently
			return c.store.GetUserByIdentity(ctx, svc.SID, identity)
		}
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventUserAdded, AccountSID: u.AccountSID, ServiceSID: svc.SID, User: u})
	return u, nil
}

// channelIn resolves a channel key within a service without reading the
// service: channel lookups are scoped by service and a deleted service has
// no channels, so a missing service is a missing channel. Message actions,
// the hottest path, use it to save a read.
func (c *Core) channelIn(ctx context.Context, serviceSID, channelKey string) (*model.Channel, error) {
	if !model.IsSID(model.PrefixService, serviceSID) {
		return nil, notFound("Service")
	}
	return c.channel(ctx, serviceSID, channelKey)
}
