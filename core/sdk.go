package core

import (
	"context"
	"errors"
	"strconv"

	"github.com/parleychat/parley/model"
)

// The end-user API: what Twilio's client SDK does (reference section 8),
// for actors that come in over MQTT (SourceSDK). Every function enforces the
// actor's permissions (reference section 4) and private-channel invisibility
// (visibility.go), and emits its events. REST actors may call them too and
// are not permission-checked, but the functions that act "as the user"
// (join, leave, decline, horizons, typing, descriptors) need an identity.

// Twilio's and Parley's codes of the end-user API.
const (
	// codeReadStatusDisabled refuses read-horizon changes when the
	// service's read_status_enabled is false. Parley's own code (Twilio
	// documents none): 403, "Read status is disabled for this service".
	codeReadStatusDisabled = 50450
)

// Descriptor statuses: how the actor relates to a channel.
const (
	StatusJoined           = "joined"
	StatusInvited          = "invited"
	StatusNotParticipating = "notParticipating"
)

// Message history page sizes (docs/protocol.md, getMessages).
const (
	DefaultHistorySize = 30
	MaxHistorySize     = 100
)

// Descriptor is a channel as one user sees it: Twilio's ChannelDescriptor.
type Descriptor struct {
	Channel model.Channel
	// Status is StatusJoined, StatusInvited or StatusNotParticipating.
	Status string
	// Member is the user's membership (Status joined), else nil.
	Member *model.Member
	// Invite is the user's pending invite (Status invited), else nil.
	Invite *model.Invite
	// Unread is the number of messages above the member's read horizon;
	// nil when the user is not a member or has no horizon (Twilio's null).
	Unread *int
}

// errNoIdentity refuses the "as the user" functions to actors without one.
func errNoIdentity() error {
	return model.Errorf(model.KindForbidden, model.CodeNotAuthorized, "User not authorized for command: no identity")
}

// errNotMember is what a user gets for an action that needs membership of a
// channel they can see but have not joined.
func errNotMember() error {
	return invalid(codeNotMember, "User is not a member of the channel")
}

// Connect is what a client's CONNECT does once its token is verified: the
// service must exist (KindNotFound otherwise) and the actor's user is
// created with the service's default role if it does not exist yet.
func (c *Core) Connect(ctx context.Context, a Actor, serviceSID string) (*model.User, error) {
	if a.Identity == "" {
		return nil, errNoIdentity()
	}
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	return c.ensureUser(ctx, a, svc, a.Identity)
}

// describe turns a user's channel row into a descriptor.
func describe(uc *model.UserChannel) Descriptor {
	d := Descriptor{Channel: uc.Channel, Status: StatusNotParticipating, Member: uc.Member, Invite: uc.Invite}
	switch {
	case uc.Member != nil:
		d.Status, d.Unread = StatusJoined, uc.UnreadMessagesCount
	case uc.Invite != nil:
		d.Status = StatusInvited
	}
	return d
}

// userChannel returns the row of userSID ("" when the user does not exist
// yet) for ch; a channel the user has nothing to do with is a row with
// neither member nor invite.
func (c *Core) userChannel(ctx context.Context, userSID string, ch *model.Channel) (*model.UserChannel, error) {
	if userSID != "" {
		uc, err := c.store.GetUserChannel(ctx, ch.ServiceSID, userSID, ch.SID)
		if err == nil || model.KindOf(err) != model.KindNotFound {
			return uc, err
		}
	}
	return &model.UserChannel{Channel: *ch}, nil
}

// actorUserSID returns the SID of a's user, "" when it does not exist yet.
func (c *Core) actorUserSID(ctx context.Context, serviceSID, identity string) (string, error) {
	u, err := c.store.GetUserByIdentity(ctx, serviceSID, identity)
	switch {
	case err == nil:
		return u.SID, nil
	case model.KindOf(err) == model.KindNotFound:
		return "", nil
	}
	return "", err
}

// ChannelDescriptors lists channel descriptors for the actor. With public
// set: the service's public channels in creation order, whatever the
// actor's status in them (Twilio's getPublicChannelDescriptors). Otherwise:
// the channels the actor has joined or is invited to, public or private, in
// channel SID order (getUserChannelDescriptors); page sizes as REST's user
// channels (at most 50).
func (c *Core) ChannelDescriptors(ctx context.Context, a Actor, serviceSID string, public bool, pp PageParams) ([]Descriptor, PageInfo, error) {
	if a.Identity == "" {
		return nil, PageInfo{}, errNoIdentity()
	}
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, PageInfo{}, err
	}
	userSID, err := c.actorUserSID(ctx, svc.SID, a.Identity)
	if err != nil {
		return nil, PageInfo{}, err
	}
	if public {
		chans, info, err := listPage(shapeChannels, pp, func(pr model.PageRequest) (model.Page[model.Channel], error) {
			return c.store.ListChannels(ctx, svc.SID, []model.ChannelType{model.ChannelPublic}, pr)
		}, func(ch *model.Channel) string { return ch.SID })
		if err != nil {
			return nil, PageInfo{}, err
		}
		out := make([]Descriptor, 0, len(chans))
		for i := range chans {
			uc, err := c.userChannel(ctx, userSID, &chans[i])
			if err != nil {
				return nil, PageInfo{}, err
			}
			out = append(out, describe(uc))
		}
		return out, info, nil
	}
	if userSID == "" {
		pr, err := shapeUserChannels.request(pp)
		if err != nil {
			return nil, PageInfo{}, err
		}
		return []Descriptor{}, PageInfo{Size: pr.Limit}, nil
	}
	rows, info, err := listPage(shapeUserChannels, pp, func(pr model.PageRequest) (model.Page[model.UserChannel], error) {
		return c.store.ListUserChannels(ctx, svc.SID, userSID, pr)
	}, func(uc *model.UserChannel) string { return uc.Channel.SID })
	if err != nil {
		return nil, PageInfo{}, err
	}
	out := make([]Descriptor, 0, len(rows))
	for i := range rows {
		out = append(out, describe(&rows[i]))
	}
	return out, info, nil
}

// ChannelDescriptor returns the descriptor of one channel (SID or unique
// name) for the actor. A private channel the actor may not see is 404.
func (c *Core) ChannelDescriptor(ctx context.Context, a Actor, serviceSID, channelKey string) (*Descriptor, error) {
	if a.Identity == "" {
		return nil, errNoIdentity()
	}
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	userSID, err := c.actorUserSID(ctx, ch.ServiceSID, a.Identity)
	if err != nil {
		return nil, err
	}
	uc, err := c.userChannel(ctx, userSID, ch)
	if err != nil {
		return nil, err
	}
	d := describe(uc)
	return &d, nil
}

// Membership returns the actor's membership of the channel with the given
// SID, or KindNotFound when there is none (or no such channel). It is the
// ACL check of a subscription to a channel's topics, so it costs one read.
func (c *Core) Membership(ctx context.Context, a Actor, serviceSID, channelSID string) (*model.Member, error) {
	if !model.IsSID(model.PrefixService, serviceSID) || !model.IsSID(model.PrefixChannel, channelSID) || a.Identity == "" {
		return nil, notFound("Member")
	}
	return c.store.GetMemberByIdentity(ctx, serviceSID, channelSID, a.Identity)
}

// JoinChannel makes the actor a member of a channel (SID or unique name).
// It needs joinChannel. A pending invite is accepted: the member gets the
// invite's role, and the invite goes (in the same store step). Without an
// invite, a public channel can be joined by anyone with joinChannel; a
// private one only by its creator (anyone else does not see it: 404). The
// creator gets the service's default channel creator role (Twilio), anyone
// else the default channel role. Joining twice is 409/50404.
func (c *Core) JoinChannel(ctx context.Context, a Actor, serviceSID, channelKey string) (*model.Member, error) {
	if a.Identity == "" {
		return nil, errNoIdentity()
	}
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if err := c.can(ctx, a, svc.SID, nil, model.PermJoinChannel); err != nil {
		return nil, err
	}
	inv, err := c.pendingInvite(ctx, ch, a.Identity)
	if err != nil {
		return nil, err
	}
	role := svc.DefaultChannelRoleSID
	switch {
	case ch.CreatedBy == a.Identity:
		role = svc.DefaultChannelCreatorRoleSID
	case inv != nil:
		role = inv.RoleSID
	}
	u, err := c.ensureUser(ctx, a, svc, a.Identity)
	if err != nil {
		return nil, err
	}
	now := c.nowUTC()
	m := &model.Member{SID: model.NewSID(model.PrefixMember), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, UserSID: u.SID, Identity: u.Identity, RoleSID: role, Attributes: "{}",
		NotificationLevel: model.NotificationDefault, DateCreated: now, DateUpdated: now}
	lim := model.MemberLimits{ChannelMembers: svc.Limits.ChannelMembers, UserChannels: svc.Limits.UserChannels}
	if err := c.store.AddMember(ctx, m, lim); err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventMemberJoined, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Seq: m.Seq, Epoch: epochOf(ch), Member: m, Channel: withMembers(ch, 1), Invite: inv})
	return m, nil
}

// LeaveChannel removes the actor from a channel; it needs leaveChannel. A
// user who is not a member gets 400/50400.
func (c *Core) LeaveChannel(ctx context.Context, a Actor, serviceSID, channelKey string) error {
	if a.Identity == "" {
		return errNoIdentity()
	}
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return err
	}
	m, err := c.store.GetMemberByIdentity(ctx, svc.SID, ch.SID, a.Identity)
	if err != nil {
		if model.KindOf(err) == model.KindNotFound {
			return errNotMember()
		}
		return err
	}
	return c.removeMember(ctx, a, svc, ch, m)
}

// DeclineInvite deletes the actor's pending invite to a channel (404 when
// there is none). No permission is needed to decline one's own invite.
func (c *Core) DeclineInvite(ctx context.Context, a Actor, serviceSID, channelKey string) error {
	if a.Identity == "" {
		return errNoIdentity()
	}
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return err
	}
	inv, err := c.pendingInvite(ctx, ch, a.Identity)
	if err != nil {
		return err
	}
	if inv == nil {
		return notFound("Invite")
	}
	return c.revokeInvite(ctx, a, svc, ch, inv)
}

// memberChannel resolves a channel the actor must be a member of: 404 when
// they may not see it, 400/50400 when they see it but have not joined. REST
// actors pass with a nil member.
func (c *Core) memberChannel(ctx context.Context, a Actor, serviceSID, channelKey string) (*model.Channel, *model.Member, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, nil, err
	}
	if a.Source != model.SourceSDK {
		return ch, nil, nil
	}
	if a.Identity == "" {
		return nil, nil, errNoIdentity()
	}
	m, err := c.store.GetMemberByIdentity(ctx, ch.ServiceSID, ch.SID, a.Identity)
	if err != nil {
		if model.KindOf(err) == model.KindNotFound {
			return nil, nil, errNotMember()
		}
		return nil, nil, err
	}
	return ch, m, nil
}

// MessagesAround pages a channel's history by anchor index and direction,
// as Twilio's getMessages(pageSize, anchor, direction): items are always in
// ascending index order. Backwards: the message at anchor (if present) and
// up to size-1 before it; forward: the message at anchor and up to size-1
// after it. A nil anchor means the end (backwards) or the start (forward).
// Deleted messages leave holes, so a page may span more indices than its
// size. size 0 means DefaultHistorySize; above MaxHistorySize is clamped;
// negative sizes and anchors are 400/20001. End users must be members.
func (c *Core) MessagesAround(ctx context.Context, a Actor, serviceSID, channelKey string, anchor *int64, forward bool, size int) ([]model.Message, error) {
	switch {
	case size < 0:
		return nil, invalid(model.CodeInvalidParam, "Invalid PageSize: must be between 1 and %d", MaxHistorySize)
	case size == 0:
		size = DefaultHistorySize
	}
	size = min(size, MaxHistorySize)
	if anchor != nil && *anchor < 0 {
		return nil, invalid(model.CodeInvalidParam, "Invalid Anchor: must not be negative")
	}
	ch, _, err := c.memberChannel(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	pr := model.PageRequest{Limit: size}
	switch {
	case forward && anchor != nil && *anchor > 0:
		pr.After = strconv.FormatInt(*anchor-1, 10)
	case forward:
		// From the start.
	case anchor != nil:
		pr.Before = strconv.FormatInt(*anchor+1, 10)
	default:
		pr.Desc = true // the last size messages, reversed below
	}
	p, err := c.store.ListMessages(ctx, ch.ServiceSID, ch.SID, pr)
	if err != nil {
		return nil, err
	}
	items := p.Items
	if pr.Desc {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	if items == nil {
		items = []model.Message{}
	}
	return items, nil
}

// MessageByIndex returns the message of a channel with the given index
// (404 when there is none, e.g. deleted). End users must be members.
func (c *Core) MessageByIndex(ctx context.Context, a Actor, serviceSID, channelKey string, index int64) (*model.Message, error) {
	ch, _, err := c.memberChannel(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if index < 0 {
		return nil, notFound("Message")
	}
	return c.store.GetMessageByIndex(ctx, ch.ServiceSID, ch.SID, index)
}

// HorizonMode says how SetReadHorizon moves a read horizon (Twilio's four
// read-horizon methods).
type HorizonMode int

// The read horizon modes.
const (
	// HorizonSet sets the horizon to the index given, even backwards; a
	// nil index clears it (updateLastConsumedMessageIndex).
	HorizonSet HorizonMode = iota
	// HorizonAdvance moves it to the index given only when that is ahead
	// of the current one (advanceLastConsumedMessageIndex).
	HorizonAdvance
	// HorizonAll sets it to the channel's last message index
	// (setAllMessagesConsumed).
	HorizonAll
	// HorizonNone clears it, so that every message is unread
	// (setNoMessagesConsumed).
	HorizonNone
)

// errHorizonUnchanged aborts a read-horizon update that would change
// nothing (an advance that is not ahead): no write, no event.
var errHorizonUnchanged = errors.New("core: read horizon unchanged")

// SetReadHorizon moves the actor's read horizon on a channel and returns the
// number of unread messages after the move: messages with an index above
// the horizon, or all of them when there is none. The actor must be a
// member (400/50400), and the service must have read_status_enabled
// (403/50450 otherwise). A change emits memberUpdated and sets the
// member's last consumption timestamp; an advance that is not ahead changes
// nothing and emits nothing.
func (c *Core) SetReadHorizon(ctx context.Context, a Actor, serviceSID, channelKey string, mode HorizonMode, index *int64) (unread int, err error) {
	if a.Identity == "" {
		return 0, errNoIdentity()
	}
	switch mode {
	case HorizonSet:
	case HorizonAdvance:
		if index == nil {
			return 0, missing("Index")
		}
	case HorizonAll, HorizonNone:
		index = nil
	default:
		return 0, invalid(model.CodeInvalidParam, "Invalid read horizon mode %d", mode)
	}
	if index != nil && *index < 0 {
		return 0, invalid(codeInvalidConsumedIndex, "Invalid LastConsumedMessageIndex: must not be negative")
	}
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return 0, err
	}
	if !svc.ReadStatusEnabled {
		return 0, model.Errorf(model.KindForbidden, codeReadStatusDisabled, "Read status is disabled for this service")
	}
	m, err := c.store.GetMemberByIdentity(ctx, svc.SID, ch.SID, a.Identity)
	if err != nil {
		if model.KindOf(err) == model.KindNotFound {
			return 0, errNotMember()
		}
		return 0, err
	}
	if mode == HorizonAll && ch.NextIndex > 0 {
		last := ch.NextIndex - 1
		index = &last
	}
	now := c.nowUTC()
	out, err := c.store.UpdateMember(ctx, svc.SID, ch.SID, m.SID, func(m *model.Member) error {
		cur := m.LastConsumedMessageIndex
		if mode == HorizonAdvance && cur != nil && *cur >= *index {
			return errHorizonUnchanged
		}
		if index == nil {
			m.LastConsumedMessageIndex = nil
		} else {
			v := *index
			m.LastConsumedMessageIndex = &v
		}
		m.LastConsumptionTimestamp = &now
		m.DateUpdated = now
		return nil
	})
	switch {
	case errors.Is(err, errHorizonUnchanged):
		out, err = m, nil
	case err != nil:
		return 0, err
	default:
		c.emit(ctx, a, model.Event{Type: model.EventMemberUpdated, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
			ChannelSID: ch.SID, Seq: out.Seq, Epoch: epochOf(ch), Member: out})
	}
	after := int64(-1)
	if h := out.LastConsumedMessageIndex; h != nil {
		after = *h
	}
	return c.store.CountMessagesAfter(ctx, svc.SID, ch.SID, after)
}

// Typing signals that the actor, a member of the channel, is typing: it
// emits typingStarted (ephemeral: no seq) and returns the service's typing
// indicator timeout in seconds, after which the caller (the broker's timer)
// calls TypingEnded unless the user types again.
func (c *Core) Typing(ctx context.Context, a Actor, serviceSID, channelKey string) (timeoutSeconds int, err error) {
	ch, _, err := c.memberChannel(ctx, a, serviceSID, channelKey)
	if err != nil {
		return 0, err
	}
	if a.Identity == "" {
		return 0, errNoIdentity()
	}
	svc, err := c.service(ctx, ch.ServiceSID)
	if err != nil {
		return 0, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventTypingStarted, AccountSID: ch.AccountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, Identity: a.Identity, Timeout: svc.TypingIndicatorTimeout})
	return svc.TypingIndicatorTimeout, nil
}

// TypingEnded emits typingEnded for the actor on a channel (by SID). It
// checks nothing: the broker calls it when a typing indicator started by
// Typing times out.
func (c *Core) TypingEnded(ctx context.Context, a Actor, serviceSID, channelSID string) {
	c.emit(ctx, a, model.Event{Type: model.EventTypingEnded, ServiceSID: serviceSID, ChannelSID: channelSID,
		Identity: a.Identity})
}
