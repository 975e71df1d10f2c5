package core

import (
	"context"

	"github.com/parleychat/parley/model"
)

// Presence tells whether a user is online: connected to Parley with at
// least one authenticated MQTT connection. The MQTT layer implements it
// for its node (hooks.Presence); a cluster-wide implementation can replace
// it without core noticing.
type Presence interface {
	Online(serviceSID, userSID string) bool
}

// Reachability is a user's is_online and is_notifiable as the REST API and
// the userUpdated events report them: both nil unless the service has
// reachability enabled (Twilio's reachability_enabled).
type Reachability struct {
	// Online is true while the user has an MQTT connection.
	Online *bool
	// Notifiable is true when the user has at least one push binding.
	Notifiable *bool
}

// reachability returns u's reachability in svc.
func (c *Core) reachability(ctx context.Context, svc *model.Service, u *model.User) Reachability {
	if !svc.ReachabilityEnabled {
		return Reachability{}
	}
	online := c.presence != nil && c.presence.Online(svc.SID, u.SID)
	r := Reachability{Online: &online}
	page, err := c.store.ListBindings(ctx, svc.SID, model.BindingFilter{UserSID: u.SID}, model.PageRequest{Limit: 1})
	if err == nil {
		notifiable := len(page.Items) > 0
		r.Notifiable = &notifiable
	}
	return r
}

// FetchUser returns a user named by SID or identity with its reachability:
// the single fetch of the REST API and of the getUser RPC (lists report no
// reachability, as on Twilio).
func (c *Core) FetchUser(ctx context.Context, a Actor, serviceSID, key string) (*model.User, Reachability, error) {
	svc, err := c.service(ctx, serviceSID)
	if err != nil {
		return nil, Reachability{}, err
	}
	u, err := c.user(ctx, svc.SID, key)
	if err != nil {
		return nil, Reachability{}, err
	}
	return u, c.reachability(ctx, svc, u), nil
}

// PresenceChanged is called by the MQTT layer when a user's online state
// (as its Presence reports it now) may have changed. When the service has
// reachability enabled it emits userUpdated with the user's reachability;
// otherwise it does nothing. It returns whether an event was emitted.
func (c *Core) PresenceChanged(ctx context.Context, serviceSID, userSID string) bool {
	svc, err := c.service(ctx, serviceSID)
	if err != nil || !svc.ReachabilityEnabled {
		return false
	}
	u, err := c.store.GetUser(ctx, svc.SID, userSID)
	if err != nil {
		return false
	}
	r := c.reachability(ctx, svc, u)
	c.emit(ctx, Actor{Source: model.SourceSDK}, model.Event{Type: model.EventUserUpdated, AccountSID: u.AccountSID,
		ServiceSID: svc.SID, User: u, IsOnline: r.Online, IsNotifiable: r.Notifiable})
	return true
}
