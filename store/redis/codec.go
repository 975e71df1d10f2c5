package redis

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/model"
)

// Records are model types encoded with encoding/json. Channels keep their
// counters, seq and last-message fields in fields of their hash (changed by
// HINCRBY/HSET inside scripts, never by decoding JSON in Lua); members and
// messages are stored as "<seq> <json>" so that a script sets the seq
// without touching the JSON; a message's index is its field name.

func enc(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("redis store: encode: %w", err)
	}
	return string(b), nil
}

func dec[T any](s string) (*T, error) {
	v := new(T)
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return nil, fmt.Errorf("redis store: decode %T: %w", v, err)
	}
	return v, nil
}

// splitSeq splits a "<seq> <json>" record.
func splitSeq(rec string) (int64, string, error) {
	i := strings.IndexByte(rec, ' ')
	if i < 0 {
		return 0, "", fmt.Errorf("redis store: malformed record %.40q", rec)
	}
	seq, err := strconv.ParseInt(rec[:i], 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("redis store: malformed record seq %.40q", rec)
	}
	return seq, rec[i+1:], nil
}

// decSeq decodes a "<seq> <json>" record of a member or message.
func decSeq[T any](rec string, set func(*T, int64)) (*T, error) {
	seq, js, err := splitSeq(rec)
	if err != nil {
		return nil, err
	}
	v, err := dec[T](js)
	if err != nil {
		return nil, err
	}
	set(v, seq)
	return v, nil
}

func setMemberSeq(m *model.Member, seq int64)   { m.Seq = seq }
func setMessageSeq(m *model.Message, seq int64) { m.Seq = seq }

// decMessage decodes a message record stored at index idx.
func decMessage(idx, rec string) (*model.Message, error) {
	m, err := decSeq(rec, setMessageSeq)
	if err != nil {
		return nil, err
	}
	if m.Index, err = strconv.ParseInt(idx, 10, 64); err != nil {
		return nil, fmt.Errorf("redis store: malformed message index %q", idx)
	}
	return m, nil
}

// pairs turns a flat HGETALL reply into a map.
func pairs(flat []string) map[string]string {
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		m[flat[i]] = flat[i+1]
	}
	return m
}

// channelRecord is what is stored in a channel hash's "v" field: the
// channel with the store-kept fields zeroed.
func channelRecord(c *model.Channel) (string, error) {
	r := *c
	r.MembersCount, r.MessagesCount, r.NextIndex, r.Seq = 0, 0, 0, 0
	r.LastMessageSID, r.LastMessageIndex, r.LastMessageDate = "", 0, time.Time{}
	return enc(&r)
}

// decChannel builds a channel from its hash (nil map: not found).
func decChannel(h map[string]string) (*model.Channel, error) {
	v, ok := h["v"]
	if !ok {
		return nil, notFound()
	}
	c, err := dec[model.Channel](v)
	if err != nil {
		return nil, err
	}
	atoi := func(k string) int64 {
		n, _ := strconv.ParseInt(h[k], 10, 64)
		return n
	}
	c.MembersCount, c.MessagesCount = int(atoi("mems")), int(atoi("msgs"))
	c.NextIndex, c.Seq = atoi("next"), atoi("seq")
	if sid := h["lsid"]; sid != "" {
		c.LastMessageSID, c.LastMessageIndex = sid, atoi("lidx")
		if c.LastMessageDate, err = time.Parse(time.RFC3339Nano, h["ldate"]); err != nil {
			return nil, fmt.Errorf("redis store: malformed last message date %q", h["ldate"])
		}
	}
	return c, nil
}
