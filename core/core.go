// Package core holds every use case and every rule of Parley: validation,
// permissions, limits, defaults, persist-then-publish and event emission.
// The REST API, the MQTT hooks and the SDK all reach the store through it.
//
// Every action follows one path: authorise, validate and apply limits, write
// to the store (durable before anything is acknowledged), emit the resulting
// events, answer. core never imports net/http, an MQTT library or a store
// implementation; it receives a model.Store and a model.EventSink.
package core

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/parleychat/parley/model"
)

// Config configures a Core.
type Config struct {
	// Store is where everything lives. Required.
	Store model.Store
	// Events receives every event after its write is durable. Nil discards.
	Events model.EventSink
	// SecretKey is the 32-byte AES-256 key that seals the auth token, API
	// key secrets and credential secrets at rest. Required.
	SecretKey []byte
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
	// Logger receives operational logs; nil discards. Secrets are never logged.
	Logger *slog.Logger
	// Presence tells who is online, for the reachability of services that
	// enable it; nil means nobody is.
	Presence Presence
}

// Core is the use-case layer. It is safe for concurrent use.
type Core struct {
	store  model.Store
	events model.EventSink
	sealer *sealer
	now    func() time.Time
	log    *slog.Logger
	// presence may be nil.
	presence Presence
}

// New returns a Core for cfg, or an error naming what is missing or wrong.
func New(cfg Config) (*Core, error) {
	if cfg.Store == nil {
		return nil, errors.New("core: Config.Store is required")
	}
	s, err := newSealer(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	c := &Core{store: cfg.Store, events: cfg.Events, sealer: s, now: cfg.Now, log: cfg.Logger, presence: cfg.Presence}
	if c.events == nil {
		c.events = model.EventSinkFunc(func(context.Context, model.Event) {})
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Actor is who performs an action and through which door.
type Actor struct {
	// Source is SourceAPI for the REST API (account credentials, not
	// permission-checked, as on Twilio) or SourceSDK for an end user.
	Source model.Source
	// Identity is the end user's identity (SourceSDK only).
	Identity string
	// WebhooksEnabled carries the REST header X-Twilio-Webhook-Enabled.
	WebhooksEnabled bool
}

// API returns the Actor for a REST call authenticated with account
// credentials, with X-Twilio-Webhook-Enabled set as given.
func API(webhooksEnabled bool) Actor {
	return Actor{Source: model.SourceAPI, WebhooksEnabled: webhooksEnabled}
}

// author returns the identity recorded as author of an action when the
// caller names none: the end user's identity, or "system" for the REST API.
func (a Actor) author() string {
	if a.Source == model.SourceSDK && a.Identity != "" {
		return a.Identity
	}
	return "system"
}

// nowUTC returns the current time in UTC truncated to the second, the
// precision of Twilio's REST dates.
func (c *Core) nowUTC() time.Time {
	return c.now().UTC().Truncate(time.Second)
}

// emit publishes ev with its common fields filled in.
func (c *Core) emit(ctx context.Context, a Actor, ev model.Event) {
	ev.Source = a.Source
	ev.Actor = a.Identity
	ev.WebhooksEnabled = a.WebhooksEnabled
	if ev.Time.IsZero() {
		ev.Time = c.now().UTC()
	}
	c.events.Publish(ctx, ev)
}
