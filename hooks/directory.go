package hooks

import (
	"context"

	"github.com/parleychat/parley/core"
)

// maxDirectoryPages bounds the member pages read to route one channel
// event to user topics (100 per page).
const maxDirectoryPages = 100

// Directory returns the lookups the broker's event publisher needs to
// route events to user topics (broker.Events.SetDirectory). They read
// through core as the REST API does (no permission check).
func (h *Hook) Directory() *Directory { return &Directory{h: h} }

// Directory implements broker.Directory over core.
type Directory struct {
	h *Hook
}

// UserSID returns identity's user SID in the service, "" when none.
func (d *Directory) UserSID(ctx context.Context, serviceSID, identity string) string {
	u, err := d.h.cfg.Core.GetUser(ctx, core.API(false), serviceSID, identity)
	if err != nil {
		return ""
	}
	return u.SID
}

// ConnectedUserSIDs returns the SIDs of the service's users connected to
// this node.
func (d *Directory) ConnectedUserSIDs(serviceSID string) []string {
	return d.h.presence.Users(serviceSID)
}

// ChannelUserSIDs returns the user SIDs of the channel's members; for a
// removed channel, the users whose connections had it cached (and it then
// drops it from those caches: the broker asks after delivering
// channelRemoved on the channel's topic).
func (d *Directory) ChannelUserSIDs(ctx context.Context, serviceSID, channelSID string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	d.h.mu.Lock()
	removed, wasRemoved := d.h.removed[channelSID]
	delete(d.h.removed, channelSID)
	d.h.mu.Unlock()
	for _, s := range removed {
		add(s)
	}
	if wasRemoved {
		d.h.forget(serviceSID, channelSID)
		return out
	}
	size := 100
	pp := core.PageParams{Size: &size}
	for range maxDirectoryPages {
		ms, info, err := d.h.cfg.Core.ListMembers(ctx, core.API(false), serviceSID, channelSID, nil, pp)
		if err != nil {
			break
		}
		for _, m := range ms {
			add(m.UserSID)
		}
		if info.NextToken == "" {
			break
		}
		pp.Token = info.NextToken
	}
	return out
}
