package core

import (
	"context"
	"net/url"
	"strings"

	"github.com/parleychat/parley/model"
)

// Twilio codes of channel webhooks.
const (
	codeTooManyTriggers    = 50322
	codeWebhookType        = 50324
	codeWebhookFilter      = 50325
	codeWebhookTrigger     = 50326
	codeWebhookFlowSID     = 50327
	codeWebhookTypeMissing = 50328
	codeWebhookURLMissing  = 50329
	codeWebhookTriggerNone = 50331
	codeWebhookURLTooLong  = 50332
)

// MaxChannelWebhooks is how many webhooks one channel may have (Twilio: 5).
const MaxChannelWebhooks = 5

// MaxWebhookTriggers is how many trigger keywords one webhook may have.
const MaxWebhookTriggers = 5

// isPostEvent reports whether name is an event a channel webhook may filter
// on: Twilio's post-event (asynchronous) names (reference section 6). The
// pre-events are synchronous and service-level only.
func isPostEvent(name string) bool {
	switch name {
	case "onMessageSent", "onMessageUpdated", "onMessageRemoved", "onMediaMessageSent",
		"onChannelAdded", "onChannelUpdated", "onChannelDestroyed",
		"onMemberAdded", "onMemberUpdated", "onMemberRemoved",
		"onUserAdded", "onUserUpdated":
		return true
	}
	return false
}

// WebhookConfig holds a channel webhook's configuration parameters; nil
// fields were not sent.
type WebhookConfig struct {
	URL        *string
	Method     *string
	Filters    []string
	Triggers   []string
	FlowSID    *string
	RetryCount *int
}

// WebhookCreate holds the parameters of a new channel webhook.
type WebhookCreate struct {
	// Type is webhook, trigger or studio (required).
	Type   string
	Config WebhookConfig
}

// applyWebhookConfig merges cfg into w and validates the result for w.Type.
func applyWebhookConfig(w *model.Webhook, cfg WebhookConfig) error {
	if cfg.URL != nil {
		w.URL = *cfg.URL
	}
	if cfg.Method != nil {
		m := strings.ToUpper(*cfg.Method)
		if m != "GET" && m != "POST" {
			return invalid(model.CodeInvalidParam, "Invalid parameter Configuration.Method: want GET or POST")
		}
		w.Method = m
	}
	if cfg.Filters != nil {
		for _, f := range cfg.Filters {
			if !isPostEvent(f) {
				return invalid(codeWebhookFilter, "Invalid Configuration.Filters value %q", f)
			}
		}
		w.Filters = append([]string{}, cfg.Filters...)
	}
	if cfg.Triggers != nil {
		if len(cfg.Triggers) > MaxWebhookTriggers {
			return invalid(codeTooManyTriggers, "Too many Configuration.Triggers: at most %d", MaxWebhookTriggers)
		}
		for _, t := range cfg.Triggers {
			if strings.TrimSpace(t) == "" {
				return invalid(codeWebhookTrigger, "Invalid Configuration.Triggers value: empty")
			}
			if err := checkLen("Configuration.Triggers", t, MaxFriendlyName, codeWebhookTrigger); err != nil {
				return err
			}
		}
		w.Triggers = append([]string{}, cfg.Triggers...)
	}
	if cfg.FlowSID != nil {
		if !model.IsSID(model.PrefixFlow, *cfg.FlowSID) {
			return invalid(codeWebhookFlowSID, "Invalid Configuration.FlowSid: want FW followed by 32 hex digits")
		}
		w.FlowSID = *cfg.FlowSID
	}
	if cfg.RetryCount != nil {
		if *cfg.RetryCount < 0 || *cfg.RetryCount > 3 {
			return invalid(model.CodeInvalidParam, "Invalid parameter Configuration.RetryCount: must be between 0 and 3")
		}
		w.RetryCount = *cfg.RetryCount
	}
	if w.Method == "" {
		w.Method = "POST"
	}
	switch w.Type {
	case model.WebhookTypeWebhook, model.WebhookTypeTrigger:
		if w.URL == "" {
			return invalid(codeWebhookURLMissing, "Missing required parameter Configuration.Url in the post body")
		}
		if w.Type == model.WebhookTypeTrigger && len(w.Triggers) == 0 {
			return invalid(codeWebhookTriggerNone, "Missing required parameter Configuration.Triggers in the post body")
		}
	case model.WebhookTypeStudio:
		if w.FlowSID == "" {
			return invalid(codeWebhookFlowSID, "Missing required parameter Configuration.FlowSid in the post body")
		}
	}
	if w.URL != "" {
		if len(w.URL) > MaxURL {
			return invalid(codeWebhookURLTooLong, "Configuration.Url too long: at most %d bytes", MaxURL)
		}
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid(model.CodeInvalidParam, "Invalid parameter Configuration.Url: want an absolute http or https URL")
		}
	}
	return nil
}

// CreateWebhook adds a webhook to a channel (at most MaxChannelWebhooks).
// Channel webhooks are managed over REST only: end users are refused.
func (c *Core) CreateWebhook(ctx context.Context, a Actor, serviceSID, channelKey string, in WebhookCreate) (*model.Webhook, error) {
	svc, ch, err := c.serviceChannel(ctx, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if err := c.can(ctx, a, svc.SID, ch); err != nil {
		return nil, err
	}
	w := &model.Webhook{SID: model.NewSID(model.PrefixWebhook), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		ChannelSID: ch.SID, Type: model.WebhookType(in.Type)}
	switch w.Type {
	case "":
		return nil, invalid(codeWebhookTypeMissing, "Missing required parameter Type in the post body")
	case model.WebhookTypeWebhook, model.WebhookTypeTrigger, model.WebhookTypeStudio:
	default:
		return nil, invalid(codeWebhookType, "Invalid parameter Type: want webhook, trigger or studio")
	}
	if err := applyWebhookConfig(w, in.Config); err != nil {
		return nil, err
	}
	now := c.nowUTC()
	w.DateCreated, w.DateUpdated = now, now
	if err := c.store.CreateWebhook(ctx, w, MaxChannelWebhooks); err != nil {
		return nil, err
	}
	return w, nil
}

// GetWebhook returns a channel webhook by SID.
func (c *Core) GetWebhook(ctx context.Context, a Actor, serviceSID, channelKey, sid string) (*model.Webhook, error) {
	svc, ch, err := c.serviceChannel(ctx, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if err := c.can(ctx, a, svc.SID, ch); err != nil {
		return nil, err
	}
	if !model.IsSID(model.PrefixWebhook, sid) {
		return nil, notFound("Webhook")
	}
	return c.store.GetWebhook(ctx, svc.SID, ch.SID, sid)
}

// ListWebhooks lists a channel's webhooks in creation order.
func (c *Core) ListWebhooks(ctx context.Context, a Actor, serviceSID, channelKey string, pp PageParams) ([]model.Webhook, PageInfo, error) {
	svc, ch, err := c.serviceChannel(ctx, serviceSID, channelKey)
	if err != nil {
		return nil, PageInfo{}, err
	}
	if err := c.can(ctx, a, svc.SID, ch); err != nil {
		return nil, PageInfo{}, err
	}
	return listPage(shapeWebhooks, pp, func(pr model.PageRequest) (model.Page[model.Webhook], error) {
		return c.store.ListWebhooks(ctx, svc.SID, ch.SID, pr)
	}, func(w *model.Webhook) string { return w.SID })
}

// UpdateWebhook changes a channel webhook's configuration (not its type).
func (c *Core) UpdateWebhook(ctx context.Context, a Actor, serviceSID, channelKey, sid string, in WebhookConfig) (*model.Webhook, error) {
	svc, ch, err := c.serviceChannel(ctx, serviceSID, channelKey)
	if err != nil {
		return nil, err
	}
	if err := c.can(ctx, a, svc.SID, ch); err != nil {
		return nil, err
	}
	if !model.IsSID(model.PrefixWebhook, sid) {
		return nil, notFound("Webhook")
	}
	if in.URL == nil && in.Method == nil && in.Filters == nil && in.Triggers == nil && in.FlowSID == nil && in.RetryCount == nil {
		// Check existence first so a missing webhook reads as 404.
		if _, err := c.store.GetWebhook(ctx, svc.SID, ch.SID, sid); err != nil {
			return nil, err
		}
		return nil, invalid(model.CodeNoUpdateParams, "No parameters to update")
	}
	now := c.nowUTC()
	return c.store.UpdateWebhook(ctx, svc.SID, ch.SID, sid, func(w *model.Webhook) error {
		if err := applyWebhookConfig(w, in); err != nil {
			return err
		}
		w.DateUpdated = now
		return nil
	})
}

// DeleteWebhook deletes a channel webhook.
func (c *Core) DeleteWebhook(ctx context.Context, a Actor, serviceSID, channelKey, sid string) error {
	svc, ch, err := c.serviceChannel(ctx, serviceSID, channelKey)
	if err != nil {
		return err
	}
	if err := c.can(ctx, a, svc.SID, ch); err != nil {
		return err
	}
	if !model.IsSID(model.PrefixWebhook, sid) {
		return notFound("Webhook")
	}
	return c.store.DeleteWebhook(ctx, svc.SID, ch.SID, sid)
}
