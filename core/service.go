package core

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/parleychat/parley/model"
)

// Service defaults (reference §5). Where the reference is silent the choice
// is recorded in docs/compat_account.md.
const (
	DefaultTypingIndicatorTimeout    = 5   // seconds
	DefaultConsumptionReportInterval = 10  // seconds; deprecated field
	DefaultChannelMembersLimit       = 100 // members per channel
	DefaultUserChannelsLimit         = 250 // channels per user
	MaxServiceLimit                  = 1000
	DefaultMediaSizeLimitMB          = 150
	DefaultMediaCompatibilityMessage = "Media messages are not supported by your client"
	MaxTypingIndicatorTimeout        = 600  // seconds
	MaxConsumptionReportInterval     = 3600 // seconds
	MaxWebhookRetryCount             = 3
	MaxNotificationTemplate          = 1024 // characters
	MaxNotificationSound             = 256  // characters
	MaxCompatibilityMessage          = 1024 // characters
)

// Twilio codes of service validation.
const (
	codeInvalidConsumptionInterval = 50052
	codeInvalidTypingTimeout       = 50053
	codeInvalidWebhookMethod       = 50055
	codeTemplateTooLong            = 50058
	codeSoundTooLong               = 50059
	codeInvalidUserChannelsLimit   = 50060
	codeInvalidRetryCount          = 50065
	codeInvalidPreWebhookURL       = 50077
	codeInvalidPostWebhookURL      = 50078
	codeChannelRoleNotFound        = 50101
	codeDeploymentRoleNotFound     = 50102
	codeCreatorRoleNotFound        = 50106
)

// serviceWebhookEvents are the event names a service's WebhookFilters may
// hold (reference §6).
var serviceWebhookEvents = []string{
	"onMessageSend", "onMessageSent", "onMessageUpdate", "onMessageUpdated", "onMessageRemove", "onMessageRemoved",
	"onMediaMessageSend", "onMediaMessageSent",
	"onChannelAdd", "onChannelAdded", "onChannelUpdate", "onChannelUpdated", "onChannelDestroy", "onChannelDestroyed",
	"onMemberAdd", "onMemberAdded", "onMemberUpdate", "onMemberUpdated", "onMemberRemove", "onMemberRemoved",
	"onUserUpdate", "onUserUpdated", "onUserAdded",
}

// ServiceCreate holds the parameters of CreateService.
type ServiceCreate struct {
	FriendlyName string
}

// NotificationUpdate holds the parameters of one kind of push notification;
// nil fields are left as they are.
type NotificationUpdate struct {
	Enabled           *bool
	Template          *string
	Sound             *string
	BadgeCountEnabled *bool // NewMessage only
}

// ServiceUpdate holds the parameters of UpdateService; nil fields are left
// as they are.
type ServiceUpdate struct {
	FriendlyName                 *string
	DefaultServiceRoleSID        *string
	DefaultChannelRoleSID        *string
	DefaultChannelCreatorRoleSID *string
	ReadStatusEnabled            *bool
	ReachabilityEnabled          *bool
	TypingIndicatorTimeout       *int
	ConsumptionReportInterval    *int
	NewMessage                   NotificationUpdate
	AddedToChannel               NotificationUpdate
	RemovedFromChannel           NotificationUpdate
	InvitedToChannel             NotificationUpdate
	NotificationsLogEnabled      *bool
	PreWebhookURL                *string // "" clears
	PostWebhookURL               *string // "" clears
	WebhookMethod                *string
	// WebhookFilters replaces the filter list when non-nil; a list holding
	// only "" clears it (a form cannot send an empty repeated parameter).
	WebhookFilters            []string
	PreWebhookRetryCount      *int
	PostWebhookRetryCount     *int
	ChannelMembersLimit       *int
	UserChannelsLimit         *int
	MediaCompatibilityMessage *string
}

func (n NotificationUpdate) empty() bool {
	return n.Enabled == nil && n.Template == nil && n.Sound == nil && n.BadgeCountEnabled == nil
}

func (in *ServiceUpdate) empty() bool {
	return in.FriendlyName == nil && in.DefaultServiceRoleSID == nil && in.DefaultChannelRoleSID == nil &&
		in.DefaultChannelCreatorRoleSID == nil && in.ReadStatusEnabled == nil && in.ReachabilityEnabled == nil &&
		in.TypingIndicatorTimeout == nil && in.ConsumptionReportInterval == nil && in.NewMessage.empty() &&
		in.AddedToChannel.empty() && in.RemovedFromChannel.empty() && in.InvitedToChannel.empty() &&
		in.NotificationsLogEnabled == nil && in.PreWebhookURL == nil && in.PostWebhookURL == nil &&
		in.WebhookMethod == nil && in.WebhookFilters == nil && in.PreWebhookRetryCount == nil &&
		in.PostWebhookRetryCount == nil && in.ChannelMembersLimit == nil && in.UserChannelsLimit == nil &&
		in.MediaCompatibilityMessage == nil
}

// checkFriendlyName validates a required friendly name of at most max
// characters.
func checkRequiredName(name string, max int) error {
	if name == "" {
		return invalid(codeFriendlyNameMissing, "Missing required parameter FriendlyName in the post body")
	}
	return checkLen("FriendlyName", name, max, codeFriendlyNameTooLong)
}

// CreateService creates a service with its four default roles, written in
// one atomic step so a service never exists without the roles its
// default_*_role_sid fields name.
func (c *Core) CreateService(ctx context.Context, a Actor, in ServiceCreate) (*model.Service, error) {
	if err := checkRequiredName(in.FriendlyName, MaxFriendlyName); err != nil {
		return nil, err
	}
	acct, err := c.store.GetAccount(ctx)
	if err != nil {
		return nil, err
	}
	now := c.nowUTC()
	svc := &model.Service{
		SID: model.NewSID(model.PrefixService), AccountSID: acct.SID, FriendlyName: in.FriendlyName,
		DateCreated: now, DateUpdated: now,
		ReadStatusEnabled: true, TypingIndicatorTimeout: DefaultTypingIndicatorTimeout,
		ConsumptionReportInterval: DefaultConsumptionReportInterval,
		Limits:                    model.ServiceLimits{ChannelMembers: DefaultChannelMembersLimit, UserChannels: DefaultUserChannelsLimit},
		WebhookMethod:             "POST",
		WebhookFilters:            []string{},
		Media:                     model.MediaSettings{SizeLimitMB: DefaultMediaSizeLimitMB, CompatibilityMessage: DefaultMediaCompatibilityMessage},
	}
	roles := model.DefaultRoles()
	for i := range roles {
		r := &roles[i]
		r.SID, r.AccountSID, r.ServiceSID = model.NewSID(model.PrefixRole), acct.SID, svc.SID
		r.DateCreated, r.DateUpdated = now, now
		switch r.FriendlyName {
		case model.RoleNameServiceUser:
			svc.DefaultServiceRoleSID = r.SID
		case model.RoleNameChannelUser:
			svc.DefaultChannelRoleSID = r.SID
		case model.RoleNameChannelAdmin:
			svc.DefaultChannelCreatorRoleSID = r.SID
		}
	}
	if err := c.store.CreateService(ctx, svc, roles); err != nil {
		return nil, err
	}
	return svc, nil
}

// GetService returns a service.
func (c *Core) GetService(ctx context.Context, a Actor, sid string) (*model.Service, error) {
	return c.service(ctx, sid)
}

// ListServices lists the account's services.
func (c *Core) ListServices(ctx context.Context, a Actor, pp PageParams) ([]model.Service, PageInfo, error) {
	return listPage(shapeServices, pp, func(pr model.PageRequest) (model.Page[model.Service], error) {
		return c.store.ListServices(ctx, pr)
	}, func(s *model.Service) string { return s.SID })
}

// checkWebhookURL validates an absolute http(s) URL; "" clears it.
func checkWebhookURL(param, u string, code int) error {
	if u == "" {
		return nil
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || len(u) > MaxURL {
		return invalid(code, "Invalid parameter %s: want an absolute http or https URL of at most %d characters", param, MaxURL)
	}
	return nil
}

func checkServiceInt(param string, v *int, lo, hi, code int) error {
	if v != nil && (*v < lo || *v > hi) {
		return invalid(code, "Invalid parameter %s: must be between %d and %d", param, lo, hi)
	}
	return nil
}

func checkNotification(prefix string, n NotificationUpdate) error {
	if n.Template != nil {
		if err := checkLen(prefix+".Template", *n.Template, MaxNotificationTemplate, codeTemplateTooLong); err != nil {
			return err
		}
	}
	if n.Sound != nil {
		if err := checkLen(prefix+".Sound", *n.Sound, MaxNotificationSound, codeSoundTooLong); err != nil {
			return err
		}
	}
	return nil
}

func applyNotification(cfg *model.NotificationConfig, n NotificationUpdate) {
	if n.Enabled != nil {
		cfg.Enabled = *n.Enabled
	}
	if n.Template != nil {
		cfg.Template = *n.Template
	}
	if n.Sound != nil {
		cfg.Sound = *n.Sound
	}
	if n.BadgeCountEnabled != nil {
		cfg.BadgeCountEnabled = *n.BadgeCountEnabled
	}
}

// checkServiceUpdate validates every field of in that does not need the
// store.
func checkServiceUpdate(in *ServiceUpdate) (filters []string, method string, err error) {
	if in.FriendlyName != nil {
		if err := checkRequiredName(*in.FriendlyName, MaxFriendlyName); err != nil {
			return nil, "", err
		}
	}
	checks := []error{
		checkServiceInt("TypingIndicatorTimeout", in.TypingIndicatorTimeout, 1, MaxTypingIndicatorTimeout, codeInvalidTypingTimeout),
		checkServiceInt("ConsumptionReportInterval", in.ConsumptionReportInterval, 1, MaxConsumptionReportInterval, codeInvalidConsumptionInterval),
		checkServiceInt("Limits.ChannelMembers", in.ChannelMembersLimit, 1, MaxServiceLimit, codeInvalidLimit),
		checkServiceInt("Limits.UserChannels", in.UserChannelsLimit, 1, MaxServiceLimit, codeInvalidUserChannelsLimit),
		checkServiceInt("PreWebhookRetryCount", in.PreWebhookRetryCount, 0, MaxWebhookRetryCount, codeInvalidRetryCount),
		checkServiceInt("PostWebhookRetryCount", in.PostWebhookRetryCount, 0, MaxWebhookRetryCount, codeInvalidRetryCount),
		checkNotification("Notifications.NewMessage", in.NewMessage),
		checkNotification("Notifications.AddedToChannel", in.AddedToChannel),
		checkNotification("Notifications.RemovedFromChannel", in.RemovedFromChannel),
		checkNotification("Notifications.InvitedToChannel", in.InvitedToChannel),
	}
	if in.PreWebhookURL != nil {
		checks = append(checks, checkWebhookURL("PreWebhookUrl", *in.PreWebhookURL, codeInvalidPreWebhookURL))
	}
	if in.PostWebhookURL != nil {
		checks = append(checks, checkWebhookURL("PostWebhookUrl", *in.PostWebhookURL, codeInvalidPostWebhookURL))
	}
	if in.MediaCompatibilityMessage != nil {
		checks = append(checks, checkLen("Media.CompatibilityMessage", *in.MediaCompatibilityMessage,
			MaxCompatibilityMessage, model.CodeInvalidParam))
	}
	for _, err := range checks {
		if err != nil {
			return nil, "", err
		}
	}
	if in.WebhookMethod != nil {
		method = strings.ToUpper(*in.WebhookMethod)
		if method != "GET" && method != "POST" {
			return nil, "", invalid(codeInvalidWebhookMethod, "Invalid parameter WebhookMethod: want GET or POST")
		}
	}
	if in.WebhookFilters != nil {
		filters = []string{}
		if len(in.WebhookFilters) == 1 && in.WebhookFilters[0] == "" {
			return filters, method, nil
		}
		for _, f := range in.WebhookFilters {
			if !slices.Contains(serviceWebhookEvents, f) {
				return nil, "", invalid(model.CodeInvalidParam, "Invalid parameter WebhookFilters: unknown event %q", f)
			}
			if !slices.Contains(filters, f) {
				filters = append(filters, f)
			}
		}
	}
	return filters, method, nil
}

// checkServiceRole checks that sid names a role of the service of type t.
func (c *Core) checkServiceRole(ctx context.Context, serviceSID, param, sid string, t model.RoleType, code int) error {
	r, err := c.role(ctx, serviceSID, sid)
	if err != nil {
		if model.KindOf(err) == model.KindNotFound {
			return invalid(code, "Invalid parameter %s: no %s role %s in this service", param, t, sid)
		}
		return err
	}
	if r.Type != t {
		return invalid(code, "Invalid parameter %s: role %s is not a %s role", param, sid, t)
	}
	return nil
}

// UpdateService changes a service's settings. Only the parameters sent
// change; the default role SIDs must name roles of this service of the
// right type.
func (c *Core) UpdateService(ctx context.Context, a Actor, sid string, in ServiceUpdate) (*model.Service, error) {
	svc, err := c.service(ctx, sid)
	if err != nil {
		return nil, err
	}
	if in.empty() {
		return nil, invalid(model.CodeNoUpdateParams, "No parameters to update")
	}
	filters, method, err := checkServiceUpdate(&in)
	if err != nil {
		return nil, err
	}
	roleChecks := []struct {
		param string
		sid   *string
		t     model.RoleType
		code  int
	}{
		{"DefaultServiceRoleSid", in.DefaultServiceRoleSID, model.RoleDeployment, codeDeploymentRoleNotFound},
		{"DefaultChannelRoleSid", in.DefaultChannelRoleSID, model.RoleChannel, codeChannelRoleNotFound},
		{"DefaultChannelCreatorRoleSid", in.DefaultChannelCreatorRoleSID, model.RoleChannel, codeCreatorRoleNotFound},
	}
	for _, rc := range roleChecks {
		if rc.sid != nil {
			if err := c.checkServiceRole(ctx, svc.SID, rc.param, *rc.sid, rc.t, rc.code); err != nil {
				return nil, err
			}
		}
	}
	now := c.nowUTC()
	out, err := c.store.UpdateService(ctx, svc.SID, func(s *model.Service) error {
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		setInt := func(dst *int, v *int) {
			if v != nil {
				*dst = *v
			}
		}
		setBool := func(dst *bool, v *bool) {
			if v != nil {
				*dst = *v
			}
		}
		set(&s.FriendlyName, in.FriendlyName)
		set(&s.DefaultServiceRoleSID, in.DefaultServiceRoleSID)
		set(&s.DefaultChannelRoleSID, in.DefaultChannelRoleSID)
		set(&s.DefaultChannelCreatorRoleSID, in.DefaultChannelCreatorRoleSID)
		setBool(&s.ReadStatusEnabled, in.ReadStatusEnabled)
		setBool(&s.ReachabilityEnabled, in.ReachabilityEnabled)
		setInt(&s.TypingIndicatorTimeout, in.TypingIndicatorTimeout)
		setInt(&s.ConsumptionReportInterval, in.ConsumptionReportInterval)
		applyNotification(&s.Notifications.NewMessage, in.NewMessage)
		applyNotification(&s.Notifications.AddedToChannel, in.AddedToChannel)
		applyNotification(&s.Notifications.RemovedFromChannel, in.RemovedFromChannel)
		applyNotification(&s.Notifications.InvitedToChannel, in.InvitedToChannel)
		setBool(&s.Notifications.LogEnabled, in.NotificationsLogEnabled)
		set(&s.PreWebhookURL, in.PreWebhookURL)
		set(&s.PostWebhookURL, in.PostWebhookURL)
		if method != "" {
			s.WebhookMethod = method
		}
		if filters != nil {
			s.WebhookFilters = filters
		}
		setInt(&s.PreWebhookRetryCount, in.PreWebhookRetryCount)
		setInt(&s.PostWebhookRetryCount, in.PostWebhookRetryCount)
		setInt(&s.Limits.ChannelMembers, in.ChannelMembersLimit)
		setInt(&s.Limits.UserChannels, in.UserChannelsLimit)
		set(&s.Media.CompatibilityMessage, in.MediaCompatibilityMessage)
		s.DateUpdated = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.emit(ctx, a, model.Event{Type: model.EventServiceUpdated, AccountSID: out.AccountSID, ServiceSID: out.SID, Service: out})
	return out, nil
}

// DeleteService deletes a service and everything in it (the store
// cascades).
func (c *Core) DeleteService(ctx context.Context, a Actor, sid string) error {
	svc, err := c.service(ctx, sid)
	if err != nil {
		return err
	}
	if err := c.store.DeleteService(ctx, svc.SID); err != nil {
		return err
	}
	c.emit(ctx, a, model.Event{Type: model.EventServiceRemoved, AccountSID: svc.AccountSID, ServiceSID: svc.SID, Service: svc})
	return nil
}
