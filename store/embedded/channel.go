package embedded

import (
	"context"
	"slices"
	"time"

	"github.com/parleychat/parley/model"
)

func errUniqueName(name string) error {
	return model.Errorf(model.KindConflict, model.CodeUniqueNameExists, "Channel with unique name %q already exists", name)
}

// needChannel returns KindNotFound unless the channel exists.
func (r *rtx) needChannel(svc, ch string) error {
	if !r.has(bChannels, key(svc, ch)) {
		return notFound()
	}
	return nil
}

// CreateChannel implements model.Store. The service must exist
// (KindNotFound); the counters, NextIndex and the last message start empty.
func (s *Store) CreateChannel(ctx context.Context, c *model.Channel) error {
	return s.update(ctx, func(w *wtx) error {
		if err := w.needService(c.ServiceSID); err != nil {
			return err
		}
		if c.UniqueName != "" && w.has(bChannelByName, key(c.ServiceSID, c.UniqueName)) {
			return errUniqueName(c.UniqueName)
		}
		ch := *c
		ch.MembersCount, ch.MessagesCount, ch.NextIndex, ch.Seq = 0, 0, 0, 0
		ch.LastMessageSID, ch.LastMessageIndex, ch.LastMessageDate = "", 0, time.Time{}
		if err := w.insert(bChannels, key(c.ServiceSID, c.SID), &ch); err != nil {
			return err
		}
		if c.UniqueName == "" {
			return nil
		}
		return w.put(bChannelByName, key(c.ServiceSID, c.UniqueName), []byte(c.SID))
	})
}

// GetChannel implements model.Store.
func (s *Store) GetChannel(ctx context.Context, serviceSID, sid string) (*model.Channel, error) {
	return get[model.Channel](s, ctx, bChannels, key(serviceSID, sid))
}

// GetChannelByUniqueName implements model.Store.
func (s *Store) GetChannelByUniqueName(ctx context.Context, serviceSID, uniqueName string) (*model.Channel, error) {
	var out *model.Channel
	err := s.view(ctx, func(r *rtx) (err error) {
		sid := r.get(bChannelByName, key(serviceSID, uniqueName))
		if sid == nil || uniqueName == "" {
			return notFound()
		}
		out, err = load[model.Channel](r, bChannels, key(serviceSID, string(sid)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListChannels implements model.Store. A missing service gives KindNotFound.
func (s *Store) ListChannels(ctx context.Context, serviceSID string, types []model.ChannelType, p model.PageRequest) (model.Page[model.Channel], error) {
	var keep func(*model.Channel) bool
	if len(types) > 0 {
		keep = func(c *model.Channel) bool { return slices.Contains(types, c.Type) }
	}
	var out model.Page[model.Channel]
	err := s.view(ctx, func(r *rtx) (err error) {
		if err := r.needService(serviceSID); err != nil {
			return err
		}
		out, err = listBucket(r, bChannels, key(serviceSID, ""), p, keep)
		return err
	})
	return out, err
}

// UpdateChannel implements model.Store.
func (s *Store) UpdateChannel(ctx context.Context, serviceSID, sid string, fn func(*model.Channel) error) (*model.Channel, error) {
	return modify(s, ctx, bChannels, key(serviceSID, sid), fn, func(w *wtx, old, cur *model.Channel) error {
		cur.SID, cur.AccountSID, cur.ServiceSID = old.SID, old.AccountSID, old.ServiceSID
		cur.MembersCount, cur.MessagesCount, cur.NextIndex = old.MembersCount, old.MessagesCount, old.NextIndex
		cur.LastMessageSID, cur.LastMessageIndex, cur.LastMessageDate = old.LastMessageSID, old.LastMessageIndex, old.LastMessageDate
		cur.Seq, cur.Epoch = old.Seq+1, old.Epoch
		if cur.UniqueName == old.UniqueName {
			return nil
		}
		if cur.UniqueName != "" && w.has(bChannelByName, key(serviceSID, cur.UniqueName)) {
			return errUniqueName(cur.UniqueName)
		}
		if old.UniqueName != "" {
			if err := w.del(bChannelByName, key(serviceSID, old.UniqueName)); err != nil {
				return err
			}
		}
		if cur.UniqueName == "" {
			return nil
		}
		return w.put(bChannelByName, key(serviceSID, cur.UniqueName), []byte(sid))
	})
}

// DeleteChannel implements model.Store: its members (each user's
// JoinedChannelsCount goes down), messages, invites and webhooks go with it.
func (s *Store) DeleteChannel(ctx context.Context, serviceSID, sid string) (*model.Channel, error) {
	var out *model.Channel
	err := s.update(ctx, func(w *wtx) error {
		c, err := load[model.Channel](&w.rtx, bChannels, key(serviceSID, sid))
		if err != nil {
			return err
		}
		c.Seq++
		out = c
		prefix := key(serviceSID, sid, "")
		for _, ref := range w.refs(bMemberByIdentity, prefix) {
			if _, err := w.dropMember(serviceSID, sid, ref.sid, false, true); err != nil {
				return err
			}
		}
		for _, ref := range w.refs(bInviteByIdentity, prefix) {
			if err := w.del(bIdentityInvites, key(serviceSID, idKey(ref.parent), sid)); err != nil {
				return err
			}
		}
		for _, b := range channelBuckets {
			if err := w.delPrefix(b, prefix); err != nil {
				return err
			}
		}
		if c.UniqueName != "" {
			if err := w.del(bChannelByName, key(serviceSID, c.UniqueName)); err != nil {
				return err
			}
		}
		return w.del(bChannels, key(serviceSID, sid))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateWebhook implements model.Store.
func (s *Store) CreateWebhook(ctx context.Context, wh *model.Webhook, max int) error {
	return s.update(ctx, func(w *wtx) error {
		if err := w.needChannel(wh.ServiceSID, wh.ChannelSID); err != nil {
			return err
		}
		if max > 0 && w.count(bWebhooks, key(wh.ServiceSID, wh.ChannelSID, "")) >= max {
			return model.Errorf(model.KindForbidden, model.CodeWebhooksLimit, "Channel webhooks limit of %d reached", max)
		}
		return w.insert(bWebhooks, key(wh.ServiceSID, wh.ChannelSID, wh.SID), wh)
	})
}

// GetWebhook implements model.Store.
func (s *Store) GetWebhook(ctx context.Context, serviceSID, channelSID, sid string) (*model.Webhook, error) {
	return get[model.Webhook](s, ctx, bWebhooks, key(serviceSID, channelSID, sid))
}

// ListWebhooks implements model.Store. A missing channel gives KindNotFound.
func (s *Store) ListWebhooks(ctx context.Context, serviceSID, channelSID string, p model.PageRequest) (model.Page[model.Webhook], error) {
	var out model.Page[model.Webhook]
	err := s.view(ctx, func(r *rtx) (err error) {
		if err := r.needChannel(serviceSID, channelSID); err != nil {
			return err
		}
		out, err = listBucket[model.Webhook](r, bWebhooks, key(serviceSID, channelSID, ""), p, nil)
		return err
	})
	return out, err
}

// UpdateWebhook implements model.Store.
func (s *Store) UpdateWebhook(ctx context.Context, serviceSID, channelSID, sid string, fn func(*model.Webhook) error) (*model.Webhook, error) {
	return modify(s, ctx, bWebhooks, key(serviceSID, channelSID, sid), fn, func(_ *wtx, old, cur *model.Webhook) error {
		cur.SID, cur.AccountSID, cur.ServiceSID, cur.ChannelSID = old.SID, old.AccountSID, old.ServiceSID, old.ChannelSID
		cur.Type = old.Type
		return nil
	})
}

// DeleteWebhook implements model.Store.
func (s *Store) DeleteWebhook(ctx context.Context, serviceSID, channelSID, sid string) error {
	return s.update(ctx, func(w *wtx) error { return w.remove(bWebhooks, key(serviceSID, channelSID, sid)) })
}
