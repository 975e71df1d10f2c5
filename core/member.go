package core

import (
	"context"
	"time"

	"github.com/parleychat/parley/model"
)

// Twilio codes of members, invites and user channels.
const (
	codeNotificationLevel    = 50210
	codeNotMember            = 50400
	codeInvalidConsumedIndex = 50406
)

// Nullable is an optional parameter that may also be set to null: Set
// reports whether it was sent, and a nil Value with Set true means null.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// MemberCreate holds the parameters of a new member. Empty strings and nil
// pointers mean "not sent".
type MemberCreate struct {
	Identity                 string
	RoleSID                  string
	LastConsumedMessageIndex *int64
	LastConsumptionTimestamp *time.Time
	DateCreated              *time.Time
	DateUpdated              *time.Time
	Attributes               string
}

// MemberUpdate holds the changes to a member; unset fields are not changed.
type MemberUpdate struct {
	RoleSID                  *string
	LastConsumedMessageIndex Nullable[int64]
	LastConsumptionTimestamp *time.Time
	DateCreated              *time.Time
	DateUpdated              *time.Time
	Attributes               *string
}

// channelRole checks that sid names a channel role of svc (50101 otherwise).
func (c *Core) channelRole(ctx context.Context, svc *model.Service, sid string) error {
	bad := invalid(codeChannelRoleNotFound, "Channel role not found: %s", sid)
	if !model.IsSID(model.PrefixRole, sid) {
		return bad
	}
	r, err := c.store.GetRole(ctx, svc.SID, sid)
	if err != nil {
		if model.KindOf(err) == model.KindNotFound {
			return bad
		}
		return err
	}
	if r.Type != model.RoleChannel {
		return bad
	}
	return nil
}

func checkConsumedIndex(v *int64) error {
	if v != nil && *v < 0 {
		return invalid(codeInvalidConsumedIndex, "Invalid LastConsumedMessageIndex: must not be negative")
	}
	return nil
}

// CreateMember adds an identity to a channel, creating its user when it
// does not exist yet (as Twilio does). It also removes the identity's
// pending invite to the channel.
func (c *Core) CreateMember(ctx context.Context, a Actor, serviceSID, channelKey string, in MemberCreate) (*model.Member, error) {
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if in.Identity == "" {
		return nil, missing("Identity")
	}
	if a.Source == model.SourceSDK && in.Identity == a.Identity {
		err = c.can(ctx, a, svc.SID, ch, model.PermJoinChannel)
	} else {
		err = c.can(ctx, a, svc.SID, ch, model.PermAddMember)
	}
	if err != nil {
		return nil, err
	}
	if err := checkIdentity(in.Identity); err != nil {
		return nil, err
	}
	role := svc.DefaultChannelRoleSID
	if in.RoleSID != "" {
		if err := c.channelRole(ctx, svc, in.RoleSID); err != nil {
			return nil, err
		}
		role = in.RoleSID
	}
	if err := checkConsumedIndex(in.LastConsumedMessageIndex); err != nil {
		return nil, err
	}
	if err := checkAttributes(in.Attributes); err != nil {
		return nil, err
	}
	u, err := c.ensureUser(ctx, a, svc, in.Identity)
	if err != nil {
		return nil, err
	}
	created := c.nowUTC()
	if in.DateCreated != nil {
		created = secondUTC(*in.DateCreated)
	}
	updated := created
	if in.DateUpdated != nil {
		updated = secondUTC(*in.DateUpdated)
	}
	m := &model.Member{SID: model.NewSID(model.PrefixMember), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, UserSID: u.SID, Identity: u.Identity, RoleSID: role,
		LastConsumedMessageIndex: in.LastConsumedMessageIndex, Attributes: attributesOrEmpty(in.Attributes),
		NotificationLevel: model.NotificationDefault, DateCreated: created, DateUpdated: updated}
	if in.LastConsumptionTimestamp != nil {
		ts := secondUTC(*in.LastConsumptionTimestamp)
		m.LastConsumptionTimestamp = &ts
	}
	lim := model.MemberLimits{ChannelMembers: svc.Limits.ChannelMembers, UserChannels: svc.Limits.UserChannels}
	if err := c.store.AddMember(ctx, m, lim); err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventMemberJoined, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Seq: m.Seq, Epoch: epochOf(ch), Member: m, Channel: withMembers(ch, 1)})
	return m, nil
}

// GetMember returns a member by SID or identity.
func (c *Core) GetMember(ctx context.Context, a Actor, serviceSID, channelKey, memberKey string) (*model.Member, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	return c.member(ctx, ch.ServiceSID, ch.SID, memberKey)
}

// ListMembers lists a channel's members in creation order, only those with
// the given identities when identities is not empty.
func (c *Core) ListMembers(ctx context.Context, a Actor, serviceSID, channelKey string, identities []string, pp PageParams) ([]model.Member, PageInfo, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, PageInfo{}, err
	}
	return listPage(shapeMembers, pp, func(pr model.PageRequest) (model.Page[model.Member], error) {
		return c.store.ListMembers(ctx, ch.ServiceSID, ch.SID, identities, pr)
	}, func(m *model.Member) string { return m.SID })
}

// UpdateMember changes a member's role, read horizon, dates or attributes.
func (c *Core) UpdateMember(ctx context.Context, a Actor, serviceSID, channelKey, memberKey string, in MemberUpdate) (*model.Member, error) {
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	old, err := c.member(ctx, svc.SID, ch.SID, memberKey)
	if err != nil {
		return nil, err
	}
	if in == (MemberUpdate{}) {
		return nil, invalid(model.CodeNoUpdateParams, "No parameters to update")
	}
	if in.RoleSID != nil || in.DateCreated != nil || in.DateUpdated != nil {
		if err := c.can(ctx, a, svc.SID, ch, model.PermEditAnyMemberAttributes); err != nil {
			return nil, err
		}
	}
	if in.Attributes != nil {
		if err := c.can(ctx, a, svc.SID, ch, ownOrAny(a, old.Identity, model.PermEditOwnMemberAttributes,
			model.PermEditAnyMemberAttributes)...); err != nil {
			return nil, err
		}
	}
	if in.LastConsumedMessageIndex.Set || in.LastConsumptionTimestamp != nil {
		// Any member may move their own read horizon; moving someone
		// else's is a member-attributes edit.
		if a.Source == model.SourceSDK && a.Identity != old.Identity {
			if err := c.can(ctx, a, svc.SID, ch, model.PermEditAnyMemberAttributes); err != nil {
				return nil, err
			}
		}
	}
	if in.RoleSID != nil {
		if err := c.channelRole(ctx, svc, *in.RoleSID); err != nil {
			return nil, err
		}
	}
	if err := checkConsumedIndex(in.LastConsumedMessageIndex.Value); err != nil {
		return nil, err
	}
	if in.Attributes != nil {
		if err := checkAttributes(*in.Attributes); err != nil {
			return nil, err
		}
	}
	now := c.nowUTC()
	m, err := c.store.UpdateMember(ctx, svc.SID, ch.SID, old.SID, func(m *model.Member) error {
		if in.RoleSID != nil {
			m.RoleSID = *in.RoleSID
		}
		applyHorizon(m, in.LastConsumedMessageIndex, in.LastConsumptionTimestamp)
		if in.Attributes != nil {
			m.Attributes = attributesOrEmpty(*in.Attributes)
		}
		if in.DateCreated != nil {
			m.DateCreated = secondUTC(*in.DateCreated)
		}
		m.DateUpdated = now
		if in.DateUpdated != nil {
			m.DateUpdated = secondUTC(*in.DateUpdated)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventMemberUpdated, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Seq: m.Seq, Epoch: epochOf(ch), Member: m})
	return m, nil
}

// applyHorizon sets a member's read horizon as sent.
func applyHorizon(m *model.Member, idx Nullable[int64], ts *time.Time) {
	if idx.Set {
		if idx.Value == nil {
			m.LastConsumedMessageIndex = nil
		} else {
			v := *idx.Value
			m.LastConsumedMessageIndex = &v
		}
	}
	if ts != nil {
		t := secondUTC(*ts)
		m.LastConsumptionTimestamp = &t
	}
}

// DeleteMember removes a member from a channel.
func (c *Core) DeleteMember(ctx context.Context, a Actor, serviceSID, channelKey, memberKey string) error {
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return err
	}
	m, err := c.member(ctx, svc.SID, ch.SID, memberKey)
	if err != nil {
		return err
	}
	return c.removeMember(ctx, a, svc, ch, m)
}

// removeMember authorises and removes m, then emits memberLeft.
func (c *Core) removeMember(ctx context.Context, a Actor, svc *model.Service, ch *model.Channel, m *model.Member) error {
	perm := model.PermRemoveMember
	if a.Source == model.SourceSDK && a.Identity == m.Identity {
		perm = model.PermLeaveChannel
	}
	if err := c.can(ctx, a, svc.SID, ch, perm); err != nil {
		return err
	}
	gone, err := c.store.RemoveMember(ctx, svc.SID, ch.SID, m.SID)
	if err != nil {
		return err
	}
	c.emit(ctx, a, model.Event{Type: model.EventMemberLeft, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Seq: gone.Seq, Epoch: epochOf(ch), Member: gone, Channel: withMembers(ch, -1)})
	return nil
}

// InviteCreate holds the parameters of a new invite.
type InviteCreate struct {
	Identity string
	RoleSID  string
}

// CreateInvite invites an existing user to a channel. Unlike members, the
// user must exist (Twilio answers 404). An identity that is already a member
// is refused with 409/50404, because the invite could never be accepted.
func (c *Core) CreateInvite(ctx context.Context, a Actor, serviceSID, channelKey string, in InviteCreate) (*model.Invite, error) {
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if in.Identity == "" {
		return nil, missing("Identity")
	}
	if err := c.can(ctx, a, svc.SID, ch, model.PermInviteMember); err != nil {
		return nil, err
	}
	role := svc.DefaultChannelRoleSID
	if in.RoleSID != "" {
		if err := c.channelRole(ctx, svc, in.RoleSID); err != nil {
			return nil, err
		}
		role = in.RoleSID
	}
	u, err := c.store.GetUserByIdentity(ctx, svc.SID, in.Identity)
	if err != nil {
		return nil, err
	}
	if _, err := c.store.GetMemberByIdentity(ctx, svc.SID, ch.SID, u.Identity); err == nil {
		return nil, model.Errorf(model.KindConflict, model.CodeMemberExists, "Member already exists")
	} else if model.KindOf(err) != model.KindNotFound {
		return nil, err
	}
	now := c.nowUTC()
	inv := &model.Invite{SID: model.NewSID(model.PrefixInvite), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Identity: u.Identity, RoleSID: role, CreatedBy: a.author(), DateCreated: now, DateUpdated: now}
	if err := c.store.CreateInvite(ctx, inv); err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventChannelInvited, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Invite: inv, Channel: ch})
	return inv, nil
}

// GetInvite returns an invite by SID.
func (c *Core) GetInvite(ctx context.Context, a Actor, serviceSID, channelKey, sid string) (*model.Invite, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if !model.IsSID(model.PrefixInvite, sid) {
		return nil, notFound("Invite")
	}
	return c.store.GetInvite(ctx, ch.ServiceSID, ch.SID, sid)
}

// ListInvites lists a channel's invites in creation order, only those for
// the given identities when identities is not empty.
func (c *Core) ListInvites(ctx context.Context, a Actor, serviceSID, channelKey string, identities []string, pp PageParams) ([]model.Invite, PageInfo, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, PageInfo{}, err
	}
	return listPage(shapeInvites, pp, func(pr model.PageRequest) (model.Page[model.Invite], error) {
		return c.store.ListInvites(ctx, ch.ServiceSID, ch.SID, identities, pr)
	}, func(in *model.Invite) string { return in.SID })
}

// DeleteInvite revokes an invite.
func (c *Core) DeleteInvite(ctx context.Context, a Actor, serviceSID, channelKey, sid string) error {
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return err
	}
	if !model.IsSID(model.PrefixInvite, sid) {
		return notFound("Invite")
	}
	inv, err := c.store.GetInvite(ctx, svc.SID, ch.SID, sid)
	if err != nil {
		return err
	}
	return c.revokeInvite(ctx, a, svc, ch, inv)
}

func (c *Core) revokeInvite(ctx context.Context, a Actor, svc *model.Service, ch *model.Channel, inv *model.Invite) error {
	// The invitee may decline their own invite; anyone else needs to be
	// allowed to invite.
	if a.Source != model.SourceSDK || a.Identity != inv.Identity {
		if err := c.can(ctx, a, svc.SID, ch, model.PermInviteMember); err != nil {
			return err
		}
	}
	if err := c.store.DeleteInvite(ctx, svc.SID, ch.SID, inv.SID); err != nil {
		return err
	}
	c.emit(ctx, a, model.Event{Type: model.EventInviteRemoved, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Invite: inv})
	return nil
}

// UserChannelUpdate holds the changes to a user's channel row; they apply
// to the user's membership.
type UserChannelUpdate struct {
	NotificationLevel        *string
	LastConsumedMessageIndex Nullable[int64]
	LastConsumptionTimestamp *time.Time
}

// userChannelRefs resolves the service, user and channel of a user channel
// path (user by SID or identity, channel by SID or unique name).
func (c *Core) userChannelRefs(ctx context.Context, serviceSID, userKey, channelKey string) (*model.Service, *model.User, *model.Channel, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := c.user(ctx, svc.SID, userKey)
	if err != nil {
		return nil, nil, nil, err
	}
	if channelKey == "" {
		return svc, u, nil, nil
	}
	ch, err := c.channel(ctx, svc.SID, channelKey)
	if err != nil {
		return nil, nil, nil, err
	}
	return svc, u, ch, nil
}

// ListUserChannels lists the channels a user (SID or identity) is a member
// of or invited to, in channel SID order.
func (c *Core) ListUserChannels(ctx context.Context, a Actor, serviceSID, userKey string, pp PageParams) ([]model.UserChannel, PageInfo, error) {
	svc, u, _, err := c.userChannelRefs(ctx, serviceSID, userKey, "")
	if err != nil {
		return nil, PageInfo{}, err
	}
	return listPage(shapeUserChannels, pp, func(pr model.PageRequest) (model.Page[model.UserChannel], error) {
		return c.store.ListUserChannels(ctx, svc.SID, u.SID, pr)
	}, func(uc *model.UserChannel) string { return uc.Channel.SID })
}

// GetUserChannel returns a user's row for one channel.
func (c *Core) GetUserChannel(ctx context.Context, a Actor, serviceSID, userKey, channelKey string) (*model.UserChannel, error) {
	svc, u, ch, err := c.userChannelRefs(ctx, serviceSID, userKey, channelKey)
	if err != nil {
		return nil, err
	}
	return c.store.GetUserChannel(ctx, svc.SID, u.SID, ch.SID)
}

// UpdateUserChannel sets the user's notification level and read horizon on
// a channel. Only a member has them: a user who is only invited gets
// 400/50400.
func (c *Core) UpdateUserChannel(ctx context.Context, a Actor, serviceSID, userKey, channelKey string, in UserChannelUpdate) (*model.UserChannel, error) {
	svc, u, ch, err := c.userChannelRefs(ctx, serviceSID, userKey, channelKey)
	if err != nil {
		return nil, err
	}
	if in == (UserChannelUpdate{}) {
		return nil, invalid(model.CodeNoUpdateParams, "No parameters to update")
	}
	var level model.NotificationLevel
	if in.NotificationLevel != nil {
		switch l := model.NotificationLevel(*in.NotificationLevel); l {
		case model.NotificationDefault, model.NotificationMuted:
			level = l
		default:
			return nil, invalid(codeNotificationLevel, "Invalid NotificationLevel: want default or muted")
		}
	}
	if err := checkConsumedIndex(in.LastConsumedMessageIndex.Value); err != nil {
		return nil, err
	}
	uc, err := c.store.GetUserChannel(ctx, svc.SID, u.SID, ch.SID)
	if err != nil {
		return nil, err
	}
	if uc.Member == nil {
		return nil, invalid(codeNotMember, "User is not a member of the channel")
	}
	if a.Source == model.SourceSDK {
		if a.Identity != u.Identity {
			return nil, errNotAuthorized()
		}
		if in.NotificationLevel != nil {
			if err := c.can(ctx, a, svc.SID, ch, model.PermEditNotificationLevel); err != nil {
				return nil, err
			}
		}
	}
	now := c.nowUTC()
	m, err := c.store.UpdateMember(ctx, svc.SID, ch.SID, uc.Member.SID, func(m *model.Member) error {
		if level != "" {
			m.NotificationLevel = level
		}
		applyHorizon(m, in.LastConsumedMessageIndex, in.LastConsumptionTimestamp)
		m.DateUpdated = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventMemberUpdated, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Seq: m.Seq, Epoch: epochOf(ch), Member: m})
	return c.store.GetUserChannel(ctx, svc.SID, u.SID, ch.SID)
}

// DeleteUserChannel removes the user from the channel: their membership, or
// their pending invite when they are only invited.
func (c *Core) DeleteUserChannel(ctx context.Context, a Actor, serviceSID, userKey, channelKey string) error {
	svc, u, ch, err := c.userChannelRefs(ctx, serviceSID, userKey, channelKey)
	if err != nil {
		return err
	}
	uc, err := c.store.GetUserChannel(ctx, svc.SID, u.SID, ch.SID)
	if err != nil {
		return err
	}
	if uc.Member != nil {
		return c.removeMember(ctx, a, svc, ch, uc.Member)
	}
	if uc.Invite != nil {
		return c.revokeInvite(ctx, a, svc, ch, uc.Invite)
	}
	return notFound("UserChannel")
}

// withMembers returns a copy of ch after a membership change of delta
// members: the channel that membership events carry (the store changes the
// count in its own atomic step and does not return the channel).
func withMembers(ch *model.Channel, delta int) *model.Channel {
	out := *ch
	out.MembersCount += delta
	if out.MembersCount < 0 {
		out.MembersCount = 0
	}
	return &out
}
