package embedded

import (
	"bytes"
	"context"
	"iter"
	"slices"

	"github.com/parleychat/parley/model"
)

// AddMember implements model.Store. An empty m.Identity is filled in with
// the user's; a user already member under another identity is also
// CodeMemberExists.
func (s *Store) AddMember(ctx context.Context, m *model.Member, lim model.MemberLimits) error {
	var seq int64
	err := s.update(ctx, func(w *wtx) error {
		svc, chSID := m.ServiceSID, m.ChannelSID
		ch, err := load[model.Channel](&w.rtx, bChannels, key(svc, chSID))
		if err != nil {
			return err
		}
		u, err := load[model.User](&w.rtx, bUsers, key(svc, m.UserSID))
		if err != nil {
			return err
		}
		c := *m
		c.Seq = ch.Seq + 1
		if c.Identity == "" {
			c.Identity = u.Identity
		}
		if w.has(bMemberByIdentity, key(svc, chSID, c.Identity)) || w.has(bUserMembers, key(svc, u.SID, chSID)) {
			return model.Errorf(model.KindConflict, model.CodeMemberExists, "Member %q already exists", c.Identity)
		}
		if lim.ChannelMembers > 0 && ch.MembersCount >= lim.ChannelMembers {
			return model.Errorf(model.KindForbidden, model.CodeMembersLimit, "Channel member limit of %d reached", lim.ChannelMembers)
		}
		if lim.UserChannels > 0 && u.JoinedChannelsCount >= lim.UserChannels {
			return model.Errorf(model.KindForbidden, model.CodeUserChannelsLimit, "User channel limit of %d reached", lim.UserChannels)
		}
		if err := w.insert(bMembers, key(svc, chSID, c.SID), &c); err != nil {
			return err
		}
		if err := w.put(bMemberByIdentity, key(svc, chSID, c.Identity), []byte(c.SID)); err != nil {
			return err
		}
		if err := w.put(bUserMembers, key(svc, u.SID, chSID), []byte(c.SID)); err != nil {
			return err
		}
		ch.MembersCount++
		ch.Seq = c.Seq
		seq = c.Seq
		if err := w.save(bChannels, key(svc, chSID), ch); err != nil {
			return err
		}
		u.JoinedChannelsCount++
		if err := w.save(bUsers, key(svc, u.SID), u); err != nil {
			return err
		}
		if in := w.get(bInviteByIdentity, key(svc, chSID, c.Identity)); in != nil {
			return w.dropInvite(svc, chSID, string(in))
		}
		return nil
	})
	if err == nil {
		m.Seq = seq
	}
	return err
}

// dropMember deletes a member and its index entries, decrementing the
// channel's MembersCount (and advancing its Seq, set on the member
// returned) and the user's JoinedChannelsCount when asked (not for the one
// being deleted anyway).
func (w *wtx) dropMember(svc, chSID, sid string, channel, user bool) (*model.Member, error) {
	m, err := load[model.Member](&w.rtx, bMembers, key(svc, chSID, sid))
	if err != nil {
		return nil, err
	}
	if err := w.del(bMembers, key(svc, chSID, sid)); err != nil {
		return nil, err
	}
	if err := w.del(bMemberByIdentity, key(svc, chSID, m.Identity)); err != nil {
		return nil, err
	}
	if err := w.del(bUserMembers, key(svc, m.UserSID, chSID)); err != nil {
		return nil, err
	}
	if channel {
		if err := adjust(w, bChannels, key(svc, chSID), func(c *model.Channel) {
			c.MembersCount--
			c.Seq++
			m.Seq = c.Seq
		}); err != nil {
			return nil, err
		}
	}
	if user {
		if err := adjust(w, bUsers, key(svc, m.UserSID), func(u *model.User) { u.JoinedChannelsCount-- }); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// adjust changes a stored value in place; a missing one is left alone.
func adjust[T any](w *wtx, b, k []byte, fn func(*T)) error {
	data := w.get(b, k)
	if data == nil {
		return nil
	}
	v, err := decode[T](data)
	if err != nil {
		return err
	}
	fn(v)
	return w.save(b, k, v)
}

// GetMember implements model.Store.
func (s *Store) GetMember(ctx context.Context, serviceSID, channelSID, sid string) (*model.Member, error) {
	return get[model.Member](s, ctx, bMembers, key(serviceSID, channelSID, sid))
}

// GetMemberByIdentity implements model.Store.
func (s *Store) GetMemberByIdentity(ctx context.Context, serviceSID, channelSID, identity string) (*model.Member, error) {
	return getByIndex[model.Member](s, ctx, bMemberByIdentity, bMembers, serviceSID, channelSID, identity)
}

// getByIndex loads the entity that index bucket idx names under
// serviceSID/channelSID/name.
func getByIndex[T any](s *Store, ctx context.Context, idx, b []byte, serviceSID, channelSID, name string) (*T, error) {
	var out *T
	err := s.view(ctx, func(r *rtx) (err error) {
		sid := r.get(idx, key(serviceSID, channelSID, name))
		if sid == nil {
			return notFound()
		}
		out, err = load[T](r, b, key(serviceSID, channelSID, string(sid)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listChannelItems lists the entities of bucket b under a channel, only
// those the identity index idx names for identities when that is not empty
// (looked up one by one, then walked in SID order).
func listChannelItems[T any](s *Store, ctx context.Context, b, idx []byte, serviceSID, channelSID string, identities []string, p model.PageRequest) (model.Page[T], error) {
	var out model.Page[T]
	err := s.view(ctx, func(r *rtx) error {
		if err := r.needChannel(serviceSID, channelSID); err != nil {
			return err
		}
		if len(identities) == 0 {
			var err error
			out, err = listBucket[T](r, b, key(serviceSID, channelSID, ""), p, nil)
			return err
		}
		var sids []string
		for _, id := range identities {
			if sid := r.get(idx, key(serviceSID, channelSID, id)); sid != nil {
				sids = append(sids, string(sid))
			}
		}
		slices.Sort(sids)
		sids = slices.Compact(sids)
		w, err := plan(p, false, sidPos)
		if err != nil {
			return err
		}
		out, err = collect(w, scanSorted(sids, w.up, w.from), func(k, _ []byte) (*T, bool, error) {
			v, err := load[T](r, b, key(serviceSID, channelSID, string(k)))
			return v, err == nil, err
		})
		return err
	})
	return out, err
}

// ListMembers implements model.Store. A missing channel gives KindNotFound.
func (s *Store) ListMembers(ctx context.Context, serviceSID, channelSID string, identities []string, p model.PageRequest) (model.Page[model.Member], error) {
	return listChannelItems[model.Member](s, ctx, bMembers, bMemberByIdentity, serviceSID, channelSID, identities, p)
}

// UpdateMember implements model.Store.
func (s *Store) UpdateMember(ctx context.Context, serviceSID, channelSID, sid string, fn func(*model.Member) error) (*model.Member, error) {
	return modify(s, ctx, bMembers, key(serviceSID, channelSID, sid), fn, func(w *wtx, old, cur *model.Member) (err error) {
		cur.SID, cur.AccountSID, cur.ServiceSID, cur.ChannelSID = old.SID, old.AccountSID, old.ServiceSID, old.ChannelSID
		cur.UserSID, cur.Identity = old.UserSID, old.Identity
		cur.Seq, err = w.nextSeq(serviceSID, channelSID)
		return err
	})
}

// RemoveMember implements model.Store.
func (s *Store) RemoveMember(ctx context.Context, serviceSID, channelSID, sid string) (*model.Member, error) {
	var out *model.Member
	err := s.update(ctx, func(w *wtx) (err error) {
		out, err = w.dropMember(serviceSID, channelSID, sid, true, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateInvite implements model.Store.
func (s *Store) CreateInvite(ctx context.Context, in *model.Invite) error {
	return s.update(ctx, func(w *wtx) error {
		svc, ch := in.ServiceSID, in.ChannelSID
		if err := w.needChannel(svc, ch); err != nil {
			return err
		}
		if w.has(bInviteByIdentity, key(svc, ch, in.Identity)) {
			return model.Errorf(model.KindConflict, model.CodeUserInvited, "User %q is already invited", in.Identity)
		}
		if err := w.insert(bInvites, key(svc, ch, in.SID), in); err != nil {
			return err
		}
		if err := w.put(bInviteByIdentity, key(svc, ch, in.Identity), []byte(in.SID)); err != nil {
			return err
		}
		return w.put(bIdentityInvites, key(svc, idKey(in.Identity), ch), []byte(in.SID))
	})
}

// dropInvite deletes an invite and its index entries.
func (w *wtx) dropInvite(svc, ch, sid string) error {
	in, err := load[model.Invite](&w.rtx, bInvites, key(svc, ch, sid))
	if err != nil {
		return err
	}
	if err := w.del(bInvites, key(svc, ch, sid)); err != nil {
		return err
	}
	if err := w.del(bInviteByIdentity, key(svc, ch, in.Identity)); err != nil {
		return err
	}
	return w.del(bIdentityInvites, key(svc, idKey(in.Identity), ch))
}

// GetInvite implements model.Store.
func (s *Store) GetInvite(ctx context.Context, serviceSID, channelSID, sid string) (*model.Invite, error) {
	return get[model.Invite](s, ctx, bInvites, key(serviceSID, channelSID, sid))
}

// ListInvites implements model.Store. A missing channel gives KindNotFound.
func (s *Store) ListInvites(ctx context.Context, serviceSID, channelSID string, identities []string, p model.PageRequest) (model.Page[model.Invite], error) {
	return listChannelItems[model.Invite](s, ctx, bInvites, bInviteByIdentity, serviceSID, channelSID, identities, p)
}

// DeleteInvite implements model.Store.
func (s *Store) DeleteInvite(ctx context.Context, serviceSID, channelSID, sid string) error {
	return s.update(ctx, func(w *wtx) error { return w.dropInvite(serviceSID, channelSID, sid) })
}

// ucRef is one row of a user's channel list before it is loaded: the SID of
// its member, or of its invite.
type ucRef struct {
	member, invite string
}

// GetUserChannel implements model.Store.
func (s *Store) GetUserChannel(ctx context.Context, serviceSID, userSID, channelSID string) (*model.UserChannel, error) {
	var out *model.UserChannel
	err := s.view(ctx, func(r *rtx) error {
		u, err := load[model.User](r, bUsers, key(serviceSID, userSID))
		if err != nil {
			return err
		}
		var ref ucRef
		if sid := r.get(bUserMembers, key(serviceSID, userSID, channelSID)); sid != nil {
			ref.member = string(sid)
		} else if sid := r.get(bIdentityInvites, key(serviceSID, idKey(u.Identity), channelSID)); sid != nil {
			ref.invite = string(sid)
		} else {
			return notFound()
		}
		out, err = r.userChannel(serviceSID, channelSID, ref)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// userChannel loads one row of a user's channel list.
func (r *rtx) userChannel(svc, chSID string, ref ucRef) (*model.UserChannel, error) {
	ch, err := load[model.Channel](r, bChannels, key(svc, chSID))
	if err != nil {
		return nil, err
	}
	uc := &model.UserChannel{Channel: *ch}
	if ref.member != "" {
		if uc.Member, err = load[model.Member](r, bMembers, key(svc, chSID, ref.member)); err != nil {
			return nil, err
		}
		if h := uc.Member.LastConsumedMessageIndex; h != nil {
			n := r.countAfter(ch, *h)
			uc.UnreadMessagesCount = &n
		}
		return uc, nil
	}
	if uc.Invite, err = load[model.Invite](r, bInvites, key(svc, chSID, ref.invite)); err != nil {
		return nil, err
	}
	return uc, nil
}

// ListUserChannels implements model.Store: the user's memberships and the
// pending invites of its identity, merged in channel SID order (a channel
// with both is listed once, as a membership). A missing user gives
// KindNotFound.
func (s *Store) ListUserChannels(ctx context.Context, serviceSID, userSID string, p model.PageRequest) (model.Page[model.UserChannel], error) {
	var out model.Page[model.UserChannel]
	err := s.view(ctx, func(r *rtx) error {
		u, err := load[model.User](r, bUsers, key(serviceSID, userSID))
		if err != nil {
			return err
		}
		w, err := plan(p, false, sidPos)
		if err != nil {
			return err
		}
		members := scan(r.tx.Bucket(bUserMembers), key(serviceSID, userSID, ""), w.up, w.from)
		invites := scan(r.tx.Bucket(bIdentityInvites), key(serviceSID, idKey(u.Identity), ""), w.up, w.from)
		out, err = collect(w, mergeRefs(members, invites, w.up), func(k []byte, ref ucRef) (*model.UserChannel, bool, error) {
			uc, err := r.userChannel(serviceSID, string(k), ref)
			return uc, err == nil, err
		})
		return err
	})
	return out, err
}

// mergeRefs merges a user's member index and invite index, both walked the
// same way, into one sequence by channel SID; a membership wins over an
// invite to the same channel.
func mergeRefs(members, invites iter.Seq2[[]byte, []byte], up bool) iter.Seq2[[]byte, ucRef] {
	return func(yield func([]byte, ucRef) bool) {
		nextM, stopM := iter.Pull2(members)
		defer stopM()
		nextI, stopI := iter.Pull2(invites)
		defer stopI()
		mk, mv, mok := nextM()
		ik, iv, iok := nextI()
		for mok || iok {
			var c int // <0: the member comes first; >0: the invite does
			switch {
			case !iok:
				c = -1
			case !mok:
				c = 1
			default:
				c = bytes.Compare(mk, ik)
				if !up {
					c = -c
				}
			}
			switch {
			case c < 0:
				if !yield(mk, ucRef{member: string(mv)}) {
					return
				}
				mk, mv, mok = nextM()
			case c > 0:
				if !yield(ik, ucRef{invite: string(iv)}) {
					return
				}
				ik, iv, iok = nextI()
			default:
				if !yield(mk, ucRef{member: string(mv)}) {
					return
				}
				mk, mv, mok = nextM()
				ik, iv, iok = nextI()
			}
		}
	}
}
