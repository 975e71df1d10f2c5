package core

import (
	"context"

	"github.com/parleychat/parley/model"
)

// Private channels are invisible to end users who have no business in them
// (docs/protocol.md): every action of an end user (SourceSDK) on a private
// channel they are neither a member of, invited to, nor the creator of
// answers 404/20404, exactly as for a channel that does not exist, so that
// nobody can probe for private channels. The creator sees it because
// Twilio's creator joins the channel they created afterwards (CreateChannel
// does not make them a member). The REST API sees everything.

// visible returns nil when a may see ch, and the channel-not-found error
// otherwise.
func (c *Core) visible(ctx context.Context, a Actor, ch *model.Channel) error {
	if a.Source != model.SourceSDK || ch.Type != model.ChannelPrivate {
		return nil
	}
	if a.Identity != "" {
		if ch.CreatedBy == a.Identity {
			return nil
		}
		ok, err := c.participant(ctx, ch, a.Identity)
		if err != nil || ok {
			return err
		}
	}
	return notFound("Channel")
}

// participant reports whether identity is a member of ch or has a pending
// invite to it.
func (c *Core) participant(ctx context.Context, ch *model.Channel, identity string) (bool, error) {
	_, err := c.store.GetMemberByIdentity(ctx, ch.ServiceSID, ch.SID, identity)
	switch {
	case err == nil:
		return true, nil
	case model.KindOf(err) != model.KindNotFound:
		return false, err
	}
	inv, err := c.pendingInvite(ctx, ch, identity)
	return inv != nil, err
}

// pendingInvite returns identity's pending invite to ch, or nil.
func (c *Core) pendingInvite(ctx context.Context, ch *model.Channel, identity string) (*model.Invite, error) {
	p, err := c.store.ListInvites(ctx, ch.ServiceSID, ch.SID, []string{identity}, model.PageRequest{Limit: 1})
	if err != nil || len(p.Items) == 0 {
		return nil, err
	}
	return &p.Items[0], nil
}

// channelAs is channelIn for actor a: a private channel a may not see is
// not found.
func (c *Core) channelAs(ctx context.Context, a Actor, serviceSID, channelKey string) (*model.Channel, error) {
	ch, err := c.channelIn(ctx, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if err := c.visible(ctx, a, ch); err != nil {
		return nil, err
	}
	return ch, nil
}

// serviceChannelAs is serviceChannel for actor a (see channelAs).
func (c *Core) serviceChannelAs(ctx context.Context, a Actor, serviceSID, channelKey string) (*model.Service, *model.Channel, error) {
	svc, ch, err := c.serviceChannel(ctx, serviceSID, channelKey)
	if err != nil {
		return nil, nil, err
	}
	if err := c.visible(ctx, a, ch); err != nil {
		return nil, nil, err
	}
	return svc, ch, nil
}
