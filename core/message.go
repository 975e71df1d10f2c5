package core

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/model"
)

// Twilio codes of messages.
const (
	codeMediaNotFound        = 50507
	codeMediaBodyNotEditable = 50509
)

// MessageCreate holds the parameters of a new message. Empty strings and nil
// pointers mean "not sent".
type MessageCreate struct {
	// From is the author's identity; "system" for the REST API by default.
	// An end user (SourceSDK) always posts as themselves.
	From          string
	Attributes    string
	DateCreated   *time.Time
	DateUpdated   *time.Time
	LastUpdatedBy string
	// Body is the text; nil when not sent. A message needs a Body or a
	// MediaSID (50503); an empty Body is allowed.
	Body *string
	// MediaSID names uploaded media. Parley has no media service yet, so any
	// value is 404/50507.
	MediaSID string
	// ClientMessageID makes a retried create idempotent within the channel:
	// the retry gets the first message back and nothing is emitted again.
	// Not exposed over REST (Twilio has no such parameter).
	ClientMessageID string
}

// MessageUpdate holds the changes to a message; nil fields are not changed.
type MessageUpdate struct {
	Body          *string
	Attributes    *string
	DateCreated   *time.Time
	DateUpdated   *time.Time
	LastUpdatedBy *string
	From          *string
}

// Message list orders.
const (
	OrderAsc  = "asc"
	OrderDesc = "desc"
)

// checkBody validates a message body: valid UTF-8, at most MaxMessageBody
// bytes (a byte limit, since the body is stored and delivered as bytes).
func checkBody(body string) error {
	if len(body) > MaxMessageBody {
		return invalid(codeBodyTooLong, "Message body too long: at most %d bytes", MaxMessageBody)
	}
	if !utf8.ValidString(body) {
		return invalid(model.CodeInvalidParam, "Invalid parameter Body: not valid UTF-8")
	}
	return nil
}

// CreateMessage posts a message to a channel (SID or unique name). The store
// assigns its index atomically; indices are never reused.
func (c *Core) CreateMessage(ctx context.Context, a Actor, serviceSID, channelKey string, in MessageCreate) (*model.Message, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	perm := model.PermSendMessage
	if in.MediaSID != "" {
		perm = model.PermSendMediaMessage
	}
	if err := c.can(ctx, a, ch.ServiceSID, ch, perm); err != nil {
		return nil, err
	}
	if in.Body == nil && in.MediaSID == "" {
		return nil, invalid(codeBodyMissing, "Missing required parameter Body in the post body")
	}
	if in.Body != nil {
		if err := checkBody(*in.Body); err != nil {
			return nil, err
		}
	}
	if err := checkAttributes(in.Attributes); err != nil {
		return nil, err
	}
	from := in.From
	if a.Source == model.SourceSDK || from == "" {
		from = a.author()
	}
	if err := checkLen("From", from, MaxAuthor, codeAuthorTooLong); err != nil {
		return nil, err
	}
	if err := checkLen("LastUpdatedBy", in.LastUpdatedBy, MaxAuthor, codeLastUpdatedByTooLong); err != nil {
		return nil, err
	}
	if err := checkLen("client_message_id", in.ClientMessageID, MaxClientMessageID, model.CodeInvalidParam); err != nil {
		return nil, err
	}
	if in.MediaSID != "" {
		// There is no media service yet: no media SID can name anything.
		return nil, model.Errorf(model.KindNotFound, codeMediaNotFound, "Media not found")
	}
	now := c.nowUTC()
	created := now
	if in.DateCreated != nil {
		created = in.DateCreated.UTC().Truncate(time.Second)
	}
	updated := created
	if in.DateUpdated != nil {
		updated = in.DateUpdated.UTC().Truncate(time.Second)
	}
	m := &model.Message{SID: model.NewSID(model.PrefixMessage), AccountSID: ch.AccountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, From: from, Attributes: attributesOrEmpty(in.Attributes), Type: model.MessageText,
		LastUpdatedBy: in.LastUpdatedBy, WasEdited: updated.After(created), ClientMessageID: in.ClientMessageID,
		DateCreated: created, DateUpdated: updated}
	if in.Body != nil {
		m.Body = *in.Body
	}
	stored, isNew, err := c.store.CreateMessage(ctx, m)
	if err != nil {
		return nil, err
	}
	if isNew {
		c.emit(ctx, a, model.Event{Type: model.EventMessageAdded, AccountSID: ch.AccountSID, ServiceSID: ch.ServiceSID,
			ChannelSID: ch.SID, Seq: stored.Seq, Epoch: epochOf(ch), Message: stored})
	}
	return stored, nil
}

// GetMessage returns a message of a channel by SID (Twilio's message path
// takes the SID, not the index).
func (c *Core) GetMessage(ctx context.Context, a Actor, serviceSID, channelKey, sid string) (*model.Message, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if !model.IsSID(model.PrefixMessage, sid) {
		return nil, notFound("Message")
	}
	return c.store.GetMessage(ctx, ch.ServiceSID, ch.SID, sid)
}

// ListMessages lists a channel's messages in index order: order is "asc"
// (the default when empty) or "desc". Page tokens carry message indices, so
// paging is stable while messages are added or deleted.
func (c *Core) ListMessages(ctx context.Context, a Actor, serviceSID, channelKey, order string, pp PageParams) ([]model.Message, PageInfo, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, PageInfo{}, err
	}
	pr, err := shapeMessages.request(pp)
	if err != nil {
		return nil, PageInfo{}, err
	}
	switch order {
	case "", OrderAsc:
	case OrderDesc:
		pr.Desc = true
	default:
		return nil, PageInfo{}, invalid(model.CodeInvalidParam, "Invalid parameter Order: want asc or desc")
	}
	p, err := c.store.ListMessages(ctx, ch.ServiceSID, ch.SID, pr)
	if err != nil {
		return nil, PageInfo{}, err
	}
	return p.Items, pageInfo(pr, p, messageCursor), nil
}

// UpdateMessage edits a message. Editing the body or attributes marks it
// edited. last_updated_by takes LastUpdatedBy when sent; otherwise an end
// user's edit records their identity and a REST edit leaves it as it was
// (null until someone names an editor), since no identity made the edit.
func (c *Core) UpdateMessage(ctx context.Context, a Actor, serviceSID, channelKey, sid string, in MessageUpdate) (*model.Message, error) {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if !model.IsSID(model.PrefixMessage, sid) {
		return nil, notFound("Message")
	}
	if in == (MessageUpdate{}) {
		return nil, invalid(model.CodeNoUpdateParams, "No parameters to update")
	}
	old, err := c.store.GetMessage(ctx, ch.ServiceSID, ch.SID, sid)
	if err != nil {
		return nil, err
	}
	if in.Body != nil || in.From != nil || in.DateCreated != nil || in.DateUpdated != nil || in.LastUpdatedBy != nil {
		if err := c.can(ctx, a, ch.ServiceSID, ch, ownOrAny(a, old.From, model.PermEditOwnMessage, model.PermEditAnyMessage)...); err != nil {
			return nil, err
		}
	}
	if in.Attributes != nil {
		if err := c.can(ctx, a, ch.ServiceSID, ch, ownOrAny(a, old.From, model.PermEditOwnMessageAttributes,
			model.PermEditAnyMessageAttributes)...); err != nil {
			return nil, err
		}
	}
	if in.Body != nil {
		if err := checkBody(*in.Body); err != nil {
			return nil, err
		}
	}
	if in.Attributes != nil {
		if err := checkAttributes(*in.Attributes); err != nil {
			return nil, err
		}
	}
	if in.From != nil {
		if *in.From == "" {
			return nil, invalid(model.CodeInvalidParam, "Invalid parameter From: must not be empty")
		}
		if err := checkLen("From", *in.From, MaxAuthor, codeAuthorTooLong); err != nil {
			return nil, err
		}
	}
	if in.LastUpdatedBy != nil {
		if err := checkLen("LastUpdatedBy", *in.LastUpdatedBy, MaxAuthor, codeLastUpdatedByTooLong); err != nil {
			return nil, err
		}
	}
	now := c.nowUTC()
	m, err := c.store.UpdateMessage(ctx, ch.ServiceSID, ch.SID, sid, func(m *model.Message) error {
		if in.Body != nil {
			if m.Type == model.MessageMedia {
				return invalid(codeMediaBodyNotEditable, "The body of a media message cannot be updated")
			}
			m.Body = *in.Body
		}
		if in.Attributes != nil {
			m.Attributes = attributesOrEmpty(*in.Attributes)
		}
		if in.From != nil {
			m.From = *in.From
		}
		if in.DateCreated != nil {
			m.DateCreated = in.DateCreated.UTC().Truncate(time.Second)
		}
		m.DateUpdated = now
		if in.DateUpdated != nil {
			m.DateUpdated = in.DateUpdated.UTC().Truncate(time.Second)
		}
		switch {
		case in.LastUpdatedBy != nil:
			m.LastUpdatedBy = *in.LastUpdatedBy
		case a.Source == model.SourceSDK:
			m.LastUpdatedBy = a.author()
		}
		m.WasEdited = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventMessageUpdated, AccountSID: ch.AccountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, Seq: m.Seq, Epoch: epochOf(ch), Message: m})
	return m, nil
}

// DeleteMessage deletes a message. Its index is never reused.
func (c *Core) DeleteMessage(ctx context.Context, a Actor, serviceSID, channelKey, sid string) error {
	ch, err := c.channelAs(ctx, a, serviceSID, channelKey)
	if err != nil {
		return err
	}
	if !model.IsSID(model.PrefixMessage, sid) {
		return notFound("Message")
	}
	m, err := c.store.GetMessage(ctx, ch.ServiceSID, ch.SID, sid)
	if err != nil {
		return err
	}
	if err := c.can(ctx, a, ch.ServiceSID, ch, ownOrAny(a, m.From, model.PermDeleteOwnMessage, model.PermDeleteAnyMessage)...); err != nil {
		return err
	}
	gone, err := c.store.DeleteMessage(ctx, ch.ServiceSID, ch.SID, sid)
	if err != nil {
		return err
	}
	c.emit(ctx, a, model.Event{Type: model.EventMessageRemoved, AccountSID: ch.AccountSID, ServiceSID: ch.ServiceSID,
		ChannelSID: ch.SID, Seq: gone.Seq, Epoch: epochOf(ch), Message: gone})
	return nil
}
