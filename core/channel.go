package core

import (
	"context"
	"time"

	"github.com/parleychat/parley/model"
)

// ChannelCreate holds the parameters of a new channel. Empty strings and nil
// pointers mean "not sent".
type ChannelCreate struct {
	FriendlyName string
	// UniqueName is optional; it may not look like a channel SID (50306).
	UniqueName string
	Attributes string
	// Type is "public" (the default) or "private"; it cannot change later.
	Type        string
	DateCreated *time.Time
	DateUpdated *time.Time
	// CreatedBy defaults to the actor ("system" for the REST API).
	CreatedBy string
}

// ChannelUpdate holds the changes to a channel; nil fields are not changed.
// An empty UniqueName clears it.
type ChannelUpdate struct {
	FriendlyName *string
	UniqueName   *string
	Attributes   *string
	DateCreated  *time.Time
	DateUpdated  *time.Time
	CreatedBy    *string
}

// parseChannelType validates a channel type; "" is public.
func parseChannelType(s string) (model.ChannelType, error) {
	switch s {
	case "", string(model.ChannelPublic):
		return model.ChannelPublic, nil
	case string(model.ChannelPrivate):
		return model.ChannelPrivate, nil
	}
	return "", invalid(model.CodeInvalidParam, "Invalid parameter Type: want public or private")
}

func secondUTC(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// CreateChannel creates a channel. It does not make the creator a member,
// as on Twilio (the creator joins afterwards).
func (c *Core) CreateChannel(ctx context.Context, a Actor, serviceSID string, in ChannelCreate) (*model.Channel, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, err
	}
	if err := c.can(ctx, a, svc.SID, nil, model.PermCreateChannel); err != nil {
		return nil, err
	}
	if err := checkLen("FriendlyName", in.FriendlyName, MaxFriendlyName, codeFriendlyNameTooLong); err != nil {
		return nil, err
	}
	if err := checkUniqueName(in.UniqueName); err != nil {
		return nil, err
	}
	if err := checkAttributes(in.Attributes); err != nil {
		return nil, err
	}
	typ, err := parseChannelType(in.Type)
	if err != nil {
		return nil, err
	}
	createdBy := in.CreatedBy
	if createdBy == "" || a.Source == model.SourceSDK {
		createdBy = a.author()
	}
	if err := checkLen("CreatedBy", createdBy, MaxAuthor, codeAuthorTooLong); err != nil {
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
	ch := &model.Channel{SID: model.NewSID(model.PrefixChannel), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		FriendlyName: in.FriendlyName, UniqueName: in.UniqueName, Attributes: attributesOrEmpty(in.Attributes),
		Type: typ, CreatedBy: createdBy, DateCreated: created, DateUpdated: updated, Epoch: newEpoch()}
	if err := c.store.CreateChannel(ctx, ch); err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventChannelAdded, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Epoch: ch.Epoch, Channel: ch})
	return ch, nil
}

// GetChannel returns a channel by SID or unique name.
func (c *Core) GetChannel(ctx context.Context, a Actor, serviceSID, channelKey string) (*model.Channel, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	return ch, err
}

// ListChannels lists a service's channels in creation order, only those of
// the given types when types is not empty.
func (c *Core) ListChannels(ctx context.Context, a Actor, serviceSID string, types []string, pp PageParams) ([]model.Channel, PageInfo, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, PageInfo{}, err
	}
	var ts []model.ChannelType
	for _, t := range types {
		if t == "" {
			return nil, PageInfo{}, invalid(model.CodeInvalidParam, "Invalid parameter Type: want public or private")
		}
		ct, err := parseChannelType(t)
		if err != nil {
			return nil, PageInfo{}, err
		}
		ts = append(ts, ct)
	}
	return listPage(shapeChannels, pp, func(pr model.PageRequest) (model.Page[model.Channel], error) {
		return c.store.ListChannels(ctx, svc.SID, ts, pr)
	}, func(ch *model.Channel) string { return ch.SID })
}

// UpdateChannel changes a channel's names, attributes, author or dates. The
// type cannot change (Chat v2). An update with nothing to change is 50347.
func (c *Core) UpdateChannel(ctx context.Context, a Actor, serviceSID, channelKey string, in ChannelUpdate) (*model.Channel, error) {
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if in == (ChannelUpdate{}) {
		return nil, invalid(codeChannelNoUpdate, "No parameters to update")
	}
	var perms []string
	if in.FriendlyName != nil || in.UniqueName != nil {
		perms = append(perms, model.PermEditChannelName)
	}
	if in.Attributes != nil || in.DateCreated != nil || in.DateUpdated != nil || in.CreatedBy != nil {
		perms = append(perms, model.PermEditChannelAttributes)
	}
	for _, p := range perms {
		if err := c.can(ctx, a, svc.SID, ch, p); err != nil {
			return nil, err
		}
	}
	if in.FriendlyName != nil {
		if err := checkLen("FriendlyName", *in.FriendlyName, MaxFriendlyName, codeFriendlyNameTooLong); err != nil {
			return nil, err
		}
	}
	if in.UniqueName != nil {
		if err := checkUniqueName(*in.UniqueName); err != nil {
			return nil, err
		}
	}
	if in.Attributes != nil {
		if err := checkAttributes(*in.Attributes); err != nil {
			return nil, err
		}
	}
	if in.CreatedBy != nil {
		if *in.CreatedBy == "" {
			return nil, invalid(model.CodeInvalidParam, "Invalid parameter CreatedBy: must not be empty")
		}
		if err := checkLen("CreatedBy", *in.CreatedBy, MaxAuthor, codeAuthorTooLong); err != nil {
			return nil, err
		}
	}
	now := c.nowUTC()
	out, err := c.store.UpdateChannel(ctx, svc.SID, ch.SID, func(ch *model.Channel) error {
		if in.FriendlyName != nil {
			ch.FriendlyName = *in.FriendlyName
		}
		if in.UniqueName != nil {
			ch.UniqueName = *in.UniqueName
		}
		if in.Attributes != nil {
			ch.Attributes = attributesOrEmpty(*in.Attributes)
		}
		if in.CreatedBy != nil {
			ch.CreatedBy = *in.CreatedBy
		}
		if in.DateCreated != nil {
			ch.DateCreated = secondUTC(*in.DateCreated)
		}
		ch.DateUpdated = now
		if in.DateUpdated != nil {
			ch.DateUpdated = secondUTC(*in.DateUpdated)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventChannelUpdated, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: out.SID, Seq: out.Seq, Epoch: epochOf(out), Channel: out})
	return out, nil
}

// DeleteChannel deletes a channel with its members, messages, invites and
// webhooks.
func (c *Core) DeleteChannel(ctx context.Context, a Actor, serviceSID, channelKey string) error {
	svc, ch, err := c.serviceChannelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return err
	}
	if err := c.can(ctx, a, svc.SID, ch, model.PermDestroyChannel); err != nil {
		return err
	}
	gone, err := c.store.DeleteChannel(ctx, svc.SID, ch.SID)
	if err != nil {
		return err
	}
	c.emit(ctx, a, model.Event{Type: model.EventChannelRemoved, AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: gone.SID, Seq: gone.Seq, Epoch: epochOf(gone), Channel: gone})
	return nil
}
