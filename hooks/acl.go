package hooks

import (
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/parleychat/parley/model"
)

// Topic levels of docs/protocol.md.
const (
	levelRoot     = "chat"
	levelChannels = "channels"
	levelUsers    = "users"
	levelRPC      = "rpc"
	leafMessages  = "messages"
	leafEvents    = "events"
	leafTyping    = "typing"
	leafUpdates   = "updates"
	aliasMe       = "me"
)

// OnSubscribe rewrites the `me` alias to the user's SID, grants QoS 0 (the
// delivery model of docs/protocol.md) and checks, through core, the
// membership of every channel named by a filter, caching the answer for
// OnACLCheck, which runs on every delivery and must not read the store.
func (h *Hook) OnSubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	c := h.conn(cl)
	if c == nil {
		return pk
	}
	for i := range pk.Filters {
		f := rewriteMe(c.sess, pk.Filters[i].Filter)
		pk.Filters[i].Filter = f
		pk.Filters[i].Qos = 0
		lv := strings.Split(f, "/")
		if len(lv) >= 4 && lv[0] == levelRoot && lv[1] == c.sess.ServiceSID && lv[2] == levelChannels &&
			model.IsSID(model.PrefixChannel, lv[3]) {
			h.checkMembership(c, lv[3])
		}
	}
	return pk
}

// OnUnsubscribe rewrites the `me` alias as OnSubscribe does, so that the
// filter unsubscribed is the one subscribed.
func (h *Hook) OnUnsubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	if c := h.conn(cl); c != nil {
		for i := range pk.Filters {
			pk.Filters[i].Filter = rewriteMe(c.sess, pk.Filters[i].Filter)
		}
	}
	return pk
}

// rewriteMe turns chat/{IS}/users/me/... into chat/{IS}/users/{US}/....
func rewriteMe(s *Session, filter string) string {
	prefix := levelRoot + "/" + s.ServiceSID + "/" + levelUsers + "/" + aliasMe + "/"
	if strings.HasPrefix(filter, prefix) {
		return levelRoot + "/" + s.ServiceSID + "/" + levelUsers + "/" + s.UserSID + "/" + filter[len(prefix):]
	}
	return filter
}

// checkMembership asks core whether the user is a member of channelSID and
// caches a yes.
func (h *Hook) checkMembership(c *conn, channelSID string) {
	ctx, cancel := h.coreCtx()
	defer cancel()
	if _, err := h.cfg.Core.Membership(ctx, actor(c.sess), c.sess.ServiceSID, channelSID); err != nil {
		c.mu.Lock()
		delete(c.channels, channelSID)
		c.mu.Unlock()
		return
	}
	c.mu.Lock()
	c.channels[channelSID] = true
	c.mu.Unlock()
}

func (c *conn) member(channelSID string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.channels[channelSID]
}

// OnACLCheck answers from memory only: it runs for every SUBSCRIBE filter,
// every inbound PUBLISH (write) and every delivery.
func (h *Hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if cl.Net.Inline {
		return true
	}
	c := h.conn(cl)
	if c == nil {
		return false
	}
	if write {
		return publishAllowed(c.sess, topic)
	}
	return c.readAllowed(topic)
}

// publishAllowed accepts the shapes of the publishable topics; what the
// publish may do is core's decision in OnPublish.
func publishAllowed(s *Session, topic string) bool {
	lv := strings.Split(topic, "/")
	if len(lv) < 3 || lv[0] != levelRoot || lv[1] != s.ServiceSID {
		return false
	}
	switch {
	case len(lv) == 5 && lv[2] == levelChannels && model.IsSID(model.PrefixChannel, lv[3]):
		return lv[4] == leafMessages || lv[4] == leafTyping
	case len(lv) == 4 && lv[2] == levelRPC:
		return lv[3] != ""
	}
	return false
}

// readAllowed accepts a filter (or a concrete topic) only when every topic
// it can match is readable: the member channels' topics and the user's own
// subtree. Wildcards are allowed in the last level(s) of those only;
// $share and $SYS filters never match the first level "chat".
func (c *conn) readAllowed(filter string) bool {
	lv := strings.Split(filter, "/")
	if len(lv) < 5 || lv[0] != levelRoot || lv[1] != c.sess.ServiceSID {
		return false
	}
	switch lv[2] {
	case levelChannels:
		if len(lv) != 5 || !c.member(lv[3]) {
			return false
		}
		switch lv[4] {
		case leafMessages, leafEvents, "+", "#":
			return true
		}
		return false
	case levelUsers:
		if lv[3] != c.sess.UserSID {
			// Another user's updates topic, named exactly: every user of
			// the service may follow a user's userUpdated events.
			return len(lv) == 5 && lv[4] == leafUpdates && model.IsSID(model.PrefixUser, lv[3])
		}
		for i, l := range lv[4:] {
			if l == "" || (l == "#" && i != len(lv)-5) {
				return false
			}
		}
		return true
	}
	return false
}

// observe keeps the membership caches right: called synchronously for
// every event before it is delivered, it drops a channel from the
// connections of a user who left it, and from every connection when the
// channel is removed.
func (h *Hook) observe(ev model.Event) {
	switch ev.Type {
	case model.EventMemberLeft:
		if ev.Member == nil {
			return
		}
		h.mu.RLock()
		defer h.mu.RUnlock()
		for _, c := range h.conns {
			if c.sess.ServiceSID == ev.ServiceSID && c.sess.Identity == ev.Member.Identity {
				c.mu.Lock()
				delete(c.channels, ev.ChannelSID)
				c.mu.Unlock()
			}
		}
	case model.EventChannelRemoved:
		var users []string
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, c := range h.conns {
			if c.sess.ServiceSID == ev.ServiceSID && c.member(ev.ChannelSID) {
				users = append(users, c.sess.UserSID)
			}
		}
		// The members are gone from the store now: remember who was
		// subscribed, for the channelRemoved user events. The cached
		// memberships stay until then, so that channelRemoved, the
		// channel's last event, still reaches its topic's subscribers
		// (nothing is published on a removed channel's topics after it).
		h.removed[ev.ChannelSID] = users
	}
}

// forget drops a removed channel from every connection's membership cache
// (Directory.ChannelUserSIDs calls it once channelRemoved is delivered on
// the channel's topic).
func (h *Hook) forget(serviceSID, channelSID string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, c := range h.conns {
		if c.sess.ServiceSID == serviceSID {
			c.mu.Lock()
			delete(c.channels, channelSID)
			c.mu.Unlock()
		}
	}
}

// Observe returns the function to give broker.Events.SetObserver.
func (h *Hook) Observe() func(model.Event) { return h.observe }
