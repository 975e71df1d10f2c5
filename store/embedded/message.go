package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/parleychat/parley/model"
)

// CreateMessage implements model.Store. On success m.Index is set too. The
// message is encoded by the caller's goroutine; the writer only assigns the
// index (which lives in the key) and updates the channel, through the
// transaction's channel cache.
func (s *Store) CreateMessage(ctx context.Context, m *model.Message) (*model.Message, bool, error) {
	data, err := encodeMessage(m)
	if err != nil {
		return nil, false, err
	}
	var (
		stored  *model.Message
		created bool
	)
	err = s.send(ctx, &request{cache: true, fn: func(w *wtx) error {
		svc, chSID := m.ServiceSID, m.ChannelSID
		cc, err := w.cachedChannel(svc, chSID)
		if err != nil {
			return err
		}
		if m.ClientMessageID != "" {
			if idx := w.get(bMessageByClientID, key(svc, chSID, m.ClientMessageID)); idx != nil {
				stored, err = w.loadMessage(append(key(svc, chSID, ""), idx...))
				created = false
				return err
			}
		}
		sk := key(svc, chSID, m.SID)
		if w.has(bMessageBySID, sk) {
			return model.Errorf(model.KindConflict, model.CodeInvalidParam, "A resource with this SID already exists")
		}
		ch := cc.ch
		index, seq := ch.NextIndex, ch.Seq+1
		idx := indexBytes(index)
		setMessageSeq(data, seq)
		if err := w.put(bMessages, msgKey(svc, chSID, index), data); err != nil {
			return err
		}
		if err := w.put(bMessageBySID, sk, idx); err != nil {
			return err
		}
		if m.ClientMessageID != "" {
			if err := w.put(bMessageByClientID, key(svc, chSID, m.ClientMessageID), idx); err != nil {
				return err
			}
		}
		w.touch(cc)
		ch.NextIndex++
		ch.MessagesCount++
		ch.Seq = seq
		ch.LastMessageSID, ch.LastMessageIndex, ch.LastMessageDate = m.SID, index, m.DateCreated
		c := *m
		c.Index, c.Seq = index, seq
		stored, created = &c, true
		return nil
	}})
	if err != nil {
		return nil, false, err
	}
	if created {
		m.Index, m.Seq = stored.Index, stored.Seq
	}
	return stored, created, nil
}

// encodeMessage encodes a message for bMessages (without its index: see
// records.go).
func encodeMessage(m *model.Message) ([]byte, error) {
	data, err := marshalMessage(m)
	if err != nil {
		return nil, fmt.Errorf("embedded: encode message: %w", err)
	}
	return data, nil
}

// decodeMessage decodes a value of bMessages whose key (or key suffix) is k.
func decodeMessage(k, v []byte) (*model.Message, error) {
	m, err := decode[model.Message](v)
	if err != nil {
		return nil, err
	}
	m.Index = int64(binary.BigEndian.Uint64(k[len(k)-8:]))
	return m, nil
}

// loadMessage loads the message at key k of bMessages, or returns
// KindNotFound.
func (r *rtx) loadMessage(k []byte) (*model.Message, error) {
	v := r.get(bMessages, k)
	if v == nil {
		return nil, notFound()
	}
	return decodeMessage(k, v)
}

// messageKey returns the bMessages key of a message given its SID, or nil.
func (r *rtx) messageKey(svc, ch, sid string) []byte {
	idx := r.get(bMessageBySID, key(svc, ch, sid))
	if idx == nil {
		return nil
	}
	return append(key(svc, ch, ""), idx...)
}

// GetMessage implements model.Store.
func (s *Store) GetMessage(ctx context.Context, serviceSID, channelSID, sid string) (*model.Message, error) {
	var out *model.Message
	err := s.view(ctx, func(r *rtx) (err error) {
		k := r.messageKey(serviceSID, channelSID, sid)
		if k == nil {
			return notFound()
		}
		out, err = r.loadMessage(k)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetMessageByIndex implements model.Store.
func (s *Store) GetMessageByIndex(ctx context.Context, serviceSID, channelSID string, index int64) (*model.Message, error) {
	if index < 0 {
		return nil, notFound()
	}
	var out *model.Message
	err := s.view(ctx, func(r *rtx) (err error) {
		out, err = r.loadMessage(msgKey(serviceSID, channelSID, index))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListMessages implements model.Store: a seek to the cursor, then a walk of
// the channel's messages by index. A missing channel gives KindNotFound.
func (s *Store) ListMessages(ctx context.Context, serviceSID, channelSID string, p model.PageRequest) (model.Page[model.Message], error) {
	var out model.Page[model.Message]
	err := s.view(ctx, func(r *rtx) error {
		if err := r.needChannel(serviceSID, channelSID); err != nil {
			return err
		}
		w, err := plan(p, p.Desc, indexPos)
		if err != nil {
			return err
		}
		seq := scan(r.tx.Bucket(bMessages), key(serviceSID, channelSID, ""), w.up, w.from)
		out, err = collect(w, seq, func(k, v []byte) (*model.Message, bool, error) {
			m, err := decodeMessage(k, v)
			return m, err == nil, err
		})
		return err
	})
	return out, err
}

// CountMessagesAfter implements model.Store.
func (s *Store) CountMessagesAfter(ctx context.Context, serviceSID, channelSID string, index int64) (int, error) {
	var n int
	err := s.view(ctx, func(r *rtx) error {
		ch, err := load[model.Channel](r, bChannels, key(serviceSID, channelSID))
		if err != nil {
			return err
		}
		n = r.countAfter(ch, index)
		return nil
	})
	return n, err
}

// countAfter counts the messages of ch whose index is greater than index. It
// walks the shorter side of index: the keys above it, or the keys up to it
// subtracted from MessagesCount.
func (r *rtx) countAfter(ch *model.Channel, index int64) int {
	last := ch.NextIndex - 1
	switch {
	case index < 0:
		return ch.MessagesCount
	case index >= last:
		return 0
	}
	prefix := key(ch.ServiceSID, ch.SID, "")
	c := r.tx.Bucket(bMessages).Cursor()
	n := 0
	if last-index <= index+1 {
		for k, _ := c.Seek(msgKey(ch.ServiceSID, ch.SID, index+1)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return n
	}
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if int64(binary.BigEndian.Uint64(k[len(prefix):])) > index {
			break
		}
		n++
	}
	return ch.MessagesCount - n
}

// nextSeq advances the Seq of a channel (not through the message cache,
// which the writer flushes before any request but CreateMessage) and
// returns the new value.
func (w *wtx) nextSeq(svc, chSID string) (int64, error) {
	ck := key(svc, chSID)
	ch, err := load[model.Channel](&w.rtx, bChannels, ck)
	if err != nil {
		return 0, err
	}
	ch.Seq++
	if err := w.save(bChannels, ck, ch); err != nil {
		return 0, err
	}
	return ch.Seq, nil
}

// UpdateMessage implements model.Store.
func (s *Store) UpdateMessage(ctx context.Context, serviceSID, channelSID, sid string, fn func(*model.Message) error) (*model.Message, error) {
	var out *model.Message
	err := s.update(ctx, func(w *wtx) error {
		k := w.messageKey(serviceSID, channelSID, sid)
		if k == nil {
			return notFound()
		}
		cur, err := w.loadMessage(k)
		if err != nil {
			return err
		}
		old := *cur
		if err := fn(cur); err != nil {
			return err
		}
		cur.SID, cur.AccountSID, cur.ServiceSID, cur.ChannelSID = old.SID, old.AccountSID, old.ServiceSID, old.ChannelSID
		cur.Index, cur.ClientMessageID = old.Index, old.ClientMessageID
		if cur.Seq, err = w.nextSeq(serviceSID, channelSID); err != nil {
			return err
		}
		data, err := encodeMessage(cur)
		if err != nil {
			return err
		}
		if err := w.put(bMessages, k, data); err != nil {
			return err
		}
		out = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteMessage implements model.Store.
func (s *Store) DeleteMessage(ctx context.Context, serviceSID, channelSID, sid string) (*model.Message, error) {
	var out *model.Message
	err := s.update(ctx, func(w *wtx) error {
		k := w.messageKey(serviceSID, channelSID, sid)
		if k == nil {
			return notFound()
		}
		m, err := w.loadMessage(k)
		if err != nil {
			return err
		}
		ck := key(serviceSID, channelSID)
		ch, err := load[model.Channel](&w.rtx, bChannels, ck)
		if err != nil {
			return err
		}
		if err := w.del(bMessages, k); err != nil {
			return err
		}
		if err := w.del(bMessageBySID, key(serviceSID, channelSID, sid)); err != nil {
			return err
		}
		if m.ClientMessageID != "" {
			if err := w.del(bMessageByClientID, key(serviceSID, channelSID, m.ClientMessageID)); err != nil {
				return err
			}
		}
		ch.MessagesCount--
		ch.Seq++
		m.Seq = ch.Seq
		out = m
		if ch.LastMessageSID == sid {
			ch.LastMessageSID, ch.LastMessageIndex, ch.LastMessageDate = "", 0, time.Time{}
			for k, v := range scan(w.tx.Bucket(bMessages), key(serviceSID, channelSID, ""), false, nil) {
				last, err := decodeMessage(k, v)
				if err != nil {
					return err
				}
				ch.LastMessageSID, ch.LastMessageIndex, ch.LastMessageDate = last.SID, last.Index, last.DateCreated
				break
			}
		}
		return w.save(bChannels, ck, ch)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
