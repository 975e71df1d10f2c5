package redis

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/parleychat/parley/model"
	goredis "github.com/redis/go-redis/v9"
)

func errUniqueName(name string) error {
	return model.Errorf(model.KindConflict, model.CodeUniqueNameExists, "Channel with unique name %q already exists", name)
}

// getChannel reads a channel's hash; a channel of another service is not
// found.
func (s *Store) getChannel(ctx context.Context, svc, ch string) (*model.Channel, map[string]string, error) {
	if err := s.begin(ctx); err != nil {
		return nil, nil, err
	}
	h, err := s.c.HGetAll(ctx, s.ck(ch, kChan)).Result()
	if err != nil {
		return nil, nil, s.fail(err)
	}
	if h["svc"] != svc {
		return nil, nil, notFound()
	}
	c, err := decChannel(h)
	return c, h, err
}

// GetChannel implements model.Store.
func (s *Store) GetChannel(ctx context.Context, serviceSID, sid string) (*model.Channel, error) {
	c, _, err := s.getChannel(ctx, serviceSID, sid)
	return c, err
}

// GetChannelByUniqueName implements model.Store. The name index is
// checked against the channel's record, so that a name caught in the
// middle of a rename is found only under the name the record holds.
func (s *Store) GetChannelByUniqueName(ctx context.Context, serviceSID, uniqueName string) (*model.Channel, error) {
	if uniqueName == "" {
		return nil, notFound()
	}
	sid, err := s.hget(ctx, s.sk(serviceSID, kNames), uniqueName)
	if err != nil {
		return nil, err
	}
	c, _, err := s.getChannel(ctx, serviceSID, sid)
	if err != nil {
		return nil, err
	}
	if c.UniqueName != uniqueName {
		return nil, notFound()
	}
	return c, nil
}

// claimName runs a name script (channel_link or name_reserve) and, when
// the name is held by a channel that no longer exists (a delete or create
// that died between its steps), takes it over. It returns "ok",
// "notfound" or "taken".
func (s *Store) claimName(ctx context.Context, svc, ch, name string, run func() (string, error)) (string, error) {
	for range 3 {
		st, err := run()
		if err != nil || !strings.HasPrefix(st, "taken:") {
			return st, err
		}
		holder := strings.TrimPrefix(st, "taken:")
		n, err := s.c.Exists(ctx, s.ck(holder, kChan)).Result()
		if err != nil {
			return "", s.fail(err)
		}
		if n == 1 {
			return "taken", nil
		}
		if _, err := s.run(ctx, "hsteal", []string{s.sk(svc, kNames)}, name, holder, ch); err != nil {
			return "", err
		}
	}
	return "taken", nil
}

// CreateChannel implements model.Store, in two steps: (1) the channel's
// record in its slot, which nothing can reach yet; (2) in the service's
// slot, the check that the service exists, the unique name and the
// channel list. If (2) refuses, (1) is undone. A create that dies between
// the steps leaves an unreachable record behind, never a visible channel.
func (s *Store) CreateChannel(ctx context.Context, c *model.Channel) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	js, err := channelRecord(c)
	if err != nil {
		return err
	}
	w := wctx(ctx)
	st, err := s.runStr(w, "channel_create", []string{s.ck(c.SID, kChan)}, c.ServiceSID, js)
	if err != nil {
		return err
	}
	if st != "ok" {
		return createStatus(st, nil)
	}
	st, err = s.claimName(w, c.ServiceSID, c.SID, c.UniqueName, func() (string, error) {
		return s.runStr(w, "channel_link", s.svcKeys(c.ServiceSID, kSvc, kChannelsZ, kNames), c.SID, c.UniqueName)
	})
	if err == nil && st == "ok" {
		return nil
	}
	if derr := s.c.Del(w, s.ck(c.SID, kChan)).Err(); derr != nil && err == nil {
		err = s.fail(derr)
	}
	switch {
	case err != nil:
		return err
	case st == "taken":
		return errUniqueName(c.UniqueName)
	case st == "notfound":
		return notFound()
	}
	return errUnexpected(st)
}

// ListChannels implements model.Store: the service's channel list, then
// the channels' records from their slots in one pipeline. A missing
// service gives KindNotFound.
func (s *Store) ListChannels(ctx context.Context, serviceSID string, types []model.ChannelType, p model.PageRequest) (model.Page[model.Channel], error) {
	if err := s.begin(ctx); err != nil {
		return model.Page[model.Channel]{}, err
	}
	n, err := s.c.Exists(ctx, s.sk(serviceSID, kSvc)).Result()
	if err != nil {
		return model.Page[model.Channel]{}, s.fail(err)
	}
	if n == 0 {
		return model.Page[model.Channel]{}, notFound()
	}
	fetch := func(ctx context.Context, up bool, cursor string, n int) ([]entry, int, string, bool, error) {
		sids, err := s.lexRange(ctx, s.sk(serviceSID, kChannelsZ), up, cursor, n)
		if err != nil || len(sids) == 0 {
			return nil, 0, "", true, err
		}
		hs, err := s.channelHashes(ctx, sids)
		if err != nil {
			return nil, 0, "", false, err
		}
		es := make([]entry, len(sids))
		for i, sid := range sids {
			es[i] = entry{sid: sid, h: hs[i]}
		}
		return es, len(sids), sids[len(sids)-1], true, nil
	}
	batch := 0
	if len(types) > 0 {
		batch = 64
	}
	return pageOf(ctx, p, batch, fetch, func(e entry) (*model.Channel, bool, error) {
		h := e.h
		if h["svc"] != serviceSID {
			return nil, false, nil // being created or deleted
		}
		c, err := decChannel(h)
		if err != nil {
			return nil, false, err
		}
		return c, len(types) == 0 || slices.Contains(types, c.Type), nil
	})
}

// channelHashes reads the hashes of channels in one pipeline.
func (s *Store) channelHashes(ctx context.Context, sids []string) ([]map[string]string, error) {
	cmds := make([]*goredis.MapStringStringCmd, len(sids))
	_, err := s.c.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		for i, sid := range sids {
			cmds[i] = pl.HGetAll(ctx, s.ck(sid, kChan))
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(err)
	}
	out := make([]map[string]string, len(sids))
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}

// UpdateChannel implements model.Store: read, fn, then a compare-and-set
// of the record that also advances the seq (channel_update.lua). A new
// unique name is reserved in the service's slot before the write and the
// old one released after it (or the new one released when the write does
// not happen); lookups by name check the record, so a rename is seen
// atomically by GetChannelByUniqueName.
func (s *Store) UpdateChannel(ctx context.Context, serviceSID, sid string, fn func(*model.Channel) error) (*model.Channel, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	w := wctx(ctx)
	names := s.sk(serviceSID, kNames)
	for range s.maxAttempts {
		old, h, err := s.getChannel(ctx, serviceSID, sid)
		if err != nil {
			return nil, err
		}
		cur, err := decChannel(h)
		if err != nil {
			return nil, err
		}
		if err := fn(cur); err != nil {
			return nil, err
		}
		cur.SID, cur.AccountSID, cur.ServiceSID = old.SID, old.AccountSID, old.ServiceSID
		cur.Seq, cur.Epoch = old.Seq, old.Epoch
		js, err := channelRecord(cur)
		if err != nil {
			return nil, err
		}
		renamed := cur.UniqueName != old.UniqueName
		if renamed && cur.UniqueName != "" {
			st, err := s.claimName(w, serviceSID, sid, cur.UniqueName, func() (string, error) {
				return s.runStr(w, "name_reserve", s.svcKeys(serviceSID, kSvc, kNames), cur.UniqueName, sid)
			})
			switch {
			case err != nil:
				return nil, err
			case st == "taken":
				return nil, errUniqueName(cur.UniqueName)
			case st == "notfound":
				return nil, notFound()
			}
		}
		release := func(name string) error {
			if name == "" {
				return nil
			}
			_, err := s.run(w, "unlink", []string{names}, name, sid)
			return err
		}
		st, l, err := s.runList(w, "channel_update", []string{s.op(s.ck(sid, kChan)), s.ck(sid, kChan)},
			s.opTTL, serviceSID, h["v"], js)
		if err != nil {
			return nil, err // the reserved name stays: claimName takes it over if the channel goes
		}
		switch st {
		case "ok":
			if renamed {
				if err := release(old.UniqueName); err != nil {
					return nil, err
				}
			}
			return decChannel(pairs(strs(l[1:])))
		case "retry", "notfound":
			if renamed {
				if err := release(cur.UniqueName); err != nil {
					return nil, err
				}
			}
			if st == "notfound" {
				return nil, notFound()
			}
		default:
			return nil, errUnexpected(st)
		}
	}
	return nil, errContended()
}

// DeleteChannel implements model.Store, in two steps: (1) one script in
// the channel's slot advances its seq and deletes all its keys (members,
// messages, invites, webhooks) at once, answering its members and invited
// identities; (2) in the service's slot, the channel list, the unique
// name, the members' index entries and JoinedChannelsCount, and the
// invite index entries. Between the steps the channel is gone; a user's
// channel list skips the rows whose channel is missing.
func (s *Store) DeleteChannel(ctx context.Context, serviceSID, sid string) (*model.Channel, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	w := wctx(ctx)
	keys := append([]string{s.op(s.ck(sid, kChan))}, s.chanKeys(sid, channelKeys...)...)
	st, l, err := s.runList(w, "channel_delete", keys, s.opTTL, serviceSID, "delete")
	if err != nil {
		return nil, err
	}
	if st == "notfound" {
		return nil, notFound()
	}
	if st != "ok" || len(l) < 4 {
		return nil, errUnexpected(st)
	}
	c, err := decChannel(pairs(strs(l[1])))
	if err != nil {
		return nil, err
	}
	args := []any{sid, c.UniqueName, 0}
	n := 0
	for _, rec := range strs(l[2]) {
		m, err := decSeq(rec, setMemberSeq)
		if err != nil {
			return nil, err
		}
		args = append(args, m.UserSID, m.SID)
		n++
	}
	args[2] = n
	for _, id := range strs(l[3]) {
		args = append(args, hex.EncodeToString([]byte(id)))
	}
	if _, err := s.run(w, "channel_unlink", s.svcKeys(serviceSID, kChannelsZ, kNames, kUserCh, kUserChZ, kCounts,
		kIdInv, kIdInvZ, kUsers), args...); err != nil {
		return nil, err
	}
	return c, nil
}

// CreateWebhook implements model.Store.
func (s *Store) CreateWebhook(ctx context.Context, wh *model.Webhook, max int) error {
	return s.create(ctx, s.ck(wh.ChannelSID, kWebhooks), s.ck(wh.ChannelSID, kWebhooksZ),
		guard{mode: "chan", key: s.ck(wh.ChannelSID, kChan), arg: wh.ServiceSID}, wh.SID, wh, max,
		model.Errorf(model.KindForbidden, model.CodeWebhooksLimit, "Channel webhooks limit of %d reached", max), "", "")
}

// GetWebhook implements model.Store.
func (s *Store) GetWebhook(ctx context.Context, serviceSID, channelSID, sid string) (*model.Webhook, error) {
	_, rec, err := s.cget(ctx, serviceSID, channelSID, kWebhooks, sid, "")
	if err != nil {
		return nil, err
	}
	return dec[model.Webhook](rec)
}

// ListWebhooks implements model.Store. A missing channel gives
// KindNotFound.
func (s *Store) ListWebhooks(ctx context.Context, serviceSID, channelSID string, p model.PageRequest) (model.Page[model.Webhook], error) {
	return listRecs[model.Webhook](s, ctx, s.ck(channelSID, kWebhooksZ), s.ck(channelSID, kWebhooks),
		guard{mode: "chan", key: s.ck(channelSID, kChan), arg: serviceSID}, p)
}

// UpdateWebhook implements model.Store.
func (s *Store) UpdateWebhook(ctx context.Context, serviceSID, channelSID, sid string, fn func(*model.Webhook) error) (*model.Webhook, error) {
	read := func(ctx context.Context) (string, error) {
		_, rec, err := s.cget(ctx, serviceSID, channelSID, kWebhooks, sid, "")
		return rec, err
	}
	v, _, err := update(s, ctx, s.ck(channelSID, kWebhooks), sid,
		casMode{mode: "chan", key: s.ck(channelSID, kChan), arg: serviceSID}, read, fn, func(old, cur *model.Webhook) {
			cur.SID, cur.AccountSID, cur.ServiceSID, cur.ChannelSID = old.SID, old.AccountSID, old.ServiceSID, old.ChannelSID
			cur.Type = old.Type
		})
	return v, err
}

// DeleteWebhook implements model.Store.
func (s *Store) DeleteWebhook(ctx context.Context, serviceSID, channelSID, sid string) error {
	_, err := s.del(ctx, s.ck(channelSID, kWebhooks), s.ck(channelSID, kWebhooksZ), sid, "chan", s.ck(channelSID, kChan), serviceSID)
	return err
}
