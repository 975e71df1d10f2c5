package hooks

import (
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/parleychat/parley/model"
)

// resumeMemberships fills the membership cache of a connection that
// resumes a kept session (clean start false) from that session's
// subscriptions: mochi gives them to the new connection without calling
// OnSubscribe, and OnACLCheck, which answers deliveries from the cache
// only, would otherwise refuse every channel delivery of the resumed
// subscriptions. Memberships are checked again through core, so a channel
// the user left meanwhile stays refused.
func (h *Hook) resumeMemberships(c *conn, cl *mqtt.Client, cleanStart bool) {
	if cleanStart {
		return
	}
	old, ok := h.cfg.Broker.Server.Clients.Get(cl.ID)
	if !ok || old == cl {
		return
	}
	seen := map[string]bool{}
	for filter := range old.State.Subscriptions.GetAll() {
		lv := strings.Split(filter, "/")
		if len(lv) >= 4 && lv[0] == levelRoot && lv[1] == c.sess.ServiceSID && lv[2] == levelChannels &&
			model.IsSID(model.PrefixChannel, lv[3]) && !seen[lv[3]] {
			seen[lv[3]] = true
			h.checkMembership(c, lv[3])
		}
	}
}
