package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// serviceJSON is chat.v2.service, in the spec's field order.
type serviceJSON struct {
	SID                          string            `json:"sid"`
	AccountSID                   string            `json:"account_sid"`
	FriendlyName                 string            `json:"friendly_name"`
	DateCreated                  string            `json:"date_created"`
	DateUpdated                  string            `json:"date_updated"`
	DefaultServiceRoleSID        *string           `json:"default_service_role_sid"`
	DefaultChannelRoleSID        *string           `json:"default_channel_role_sid"`
	DefaultChannelCreatorRoleSID *string           `json:"default_channel_creator_role_sid"`
	ReadStatusEnabled            bool              `json:"read_status_enabled"`
	ReachabilityEnabled          bool              `json:"reachability_enabled"`
	TypingIndicatorTimeout       int               `json:"typing_indicator_timeout"`
	ConsumptionReportInterval    int               `json:"consumption_report_interval"`
	Limits                       limitsJSON        `json:"limits"`
	PreWebhookURL                *string           `json:"pre_webhook_url"`
	PostWebhookURL               *string           `json:"post_webhook_url"`
	WebhookMethod                string            `json:"webhook_method"`
	WebhookFilters               []string          `json:"webhook_filters"`
	PreWebhookRetryCount         int               `json:"pre_webhook_retry_count"`
	PostWebhookRetryCount        int               `json:"post_webhook_retry_count"`
	Notifications                notificationsJSON `json:"notifications"`
	Media                        mediaJSON         `json:"media"`
	URL                          string            `json:"url"`
	Links                        map[string]string `json:"links"`
}

type limitsJSON struct {
	ChannelMembers int `json:"channel_members"`
	UserChannels   int `json:"user_channels"`
}

type notificationJSON struct {
	Enabled           bool    `json:"enabled"`
	Template          *string `json:"template"`
	Sound             *string `json:"sound"`
	BadgeCountEnabled *bool   `json:"badge_count_enabled,omitempty"` // new_message only
}

type notificationsJSON struct {
	NewMessage         notificationJSON `json:"new_message"`
	AddedToChannel     notificationJSON `json:"added_to_channel"`
	RemovedFromChannel notificationJSON `json:"removed_from_channel"`
	InvitedToChannel   notificationJSON `json:"invited_to_channel"`
	LogEnabled         bool             `json:"log_enabled"`
}

type mediaJSON struct {
	SizeLimitMB          int    `json:"size_limit_mb"`
	CompatibilityMessage string `json:"compatibility_message"`
}

func renderNotification(n model.NotificationConfig, badge bool) notificationJSON {
	out := notificationJSON{Enabled: n.Enabled, Template: nullable(n.Template), Sound: nullable(n.Sound)}
	if badge {
		b := n.BadgeCountEnabled
		out.BadgeCountEnabled = &b
	}
	return out
}

func (s *Server) renderService(r *http.Request, svc *model.Service) serviceJSON {
	u := s.join(r, "v2", "Services", svc.SID)
	filters := svc.WebhookFilters
	if filters == nil {
		filters = []string{}
	}
	n := svc.Notifications
	return serviceJSON{
		SID: svc.SID, AccountSID: svc.AccountSID, FriendlyName: svc.FriendlyName,
		DateCreated: apiDate(svc.DateCreated), DateUpdated: apiDate(svc.DateUpdated),
		DefaultServiceRoleSID:        nullable(svc.DefaultServiceRoleSID),
		DefaultChannelRoleSID:        nullable(svc.DefaultChannelRoleSID),
		DefaultChannelCreatorRoleSID: nullable(svc.DefaultChannelCreatorRoleSID),
		ReadStatusEnabled:            svc.ReadStatusEnabled, ReachabilityEnabled: svc.ReachabilityEnabled,
		TypingIndicatorTimeout: svc.TypingIndicatorTimeout, ConsumptionReportInterval: svc.ConsumptionReportInterval,
		Limits:        limitsJSON{ChannelMembers: svc.Limits.ChannelMembers, UserChannels: svc.Limits.UserChannels},
		PreWebhookURL: nullable(svc.PreWebhookURL), PostWebhookURL: nullable(svc.PostWebhookURL),
		WebhookMethod: svc.WebhookMethod, WebhookFilters: filters,
		PreWebhookRetryCount: svc.PreWebhookRetryCount, PostWebhookRetryCount: svc.PostWebhookRetryCount,
		Notifications: notificationsJSON{
			NewMessage:         renderNotification(n.NewMessage, true),
			AddedToChannel:     renderNotification(n.AddedToChannel, false),
			RemovedFromChannel: renderNotification(n.RemovedFromChannel, false),
			InvitedToChannel:   renderNotification(n.InvitedToChannel, false),
			LogEnabled:         n.LogEnabled,
		},
		Media: mediaJSON{SizeLimitMB: svc.Media.SizeLimitMB, CompatibilityMessage: svc.Media.CompatibilityMessage},
		URL:   u,
		Links: map[string]string{"channels": u + "/Channels", "users": u + "/Users", "roles": u + "/Roles",
			"bindings": u + "/Bindings"},
	}
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListServices(r.Context(), actor(r), pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]serviceJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderService(r, &items[i]))
	}
	s.writeList(w, r, "services", out, info, page)
}

func (s *Server) createService(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in core.ServiceCreate
	if v := f.str("FriendlyName"); v != nil {
		in.FriendlyName = *v
	}
	svc, err := s.core.CreateService(r.Context(), actor(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderService(r, svc))
}

func (s *Server) fetchService(w http.ResponseWriter, r *http.Request) {
	svc, err := s.core.GetService(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderService(r, svc))
}

// notificationParams reads Notifications.{kind}.* parameters.
func notificationParams(f *form, kind string, badge bool) core.NotificationUpdate {
	p := "Notifications." + kind + "."
	n := core.NotificationUpdate{Enabled: f.boolean(p + "Enabled"), Template: f.str(p + "Template"),
		Sound: f.str(p + "Sound")}
	if badge {
		n.BadgeCountEnabled = f.boolean(p + "BadgeCountEnabled")
	}
	return n
}

func (s *Server) updateService(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.ServiceUpdate{
		FriendlyName:                 f.str("FriendlyName"),
		DefaultServiceRoleSID:        f.str("DefaultServiceRoleSid"),
		DefaultChannelRoleSID:        f.str("DefaultChannelRoleSid"),
		DefaultChannelCreatorRoleSID: f.str("DefaultChannelCreatorRoleSid"),
		ReadStatusEnabled:            f.boolean("ReadStatusEnabled"),
		ReachabilityEnabled:          f.boolean("ReachabilityEnabled"),
		TypingIndicatorTimeout:       f.integer("TypingIndicatorTimeout"),
		ConsumptionReportInterval:    f.integer("ConsumptionReportInterval"),
		NewMessage:                   notificationParams(f, "NewMessage", true),
		AddedToChannel:               notificationParams(f, "AddedToChannel", false),
		RemovedFromChannel:           notificationParams(f, "RemovedFromChannel", false),
		InvitedToChannel:             notificationParams(f, "InvitedToChannel", false),
		NotificationsLogEnabled:      f.boolean("Notifications.LogEnabled"),
		PreWebhookURL:                f.str("PreWebhookUrl"),
		PostWebhookURL:               f.str("PostWebhookUrl"),
		WebhookMethod:                f.str("WebhookMethod"),
		WebhookFilters:               f.strs("WebhookFilters"),
		PreWebhookRetryCount:         f.integer("PreWebhookRetryCount"),
		PostWebhookRetryCount:        f.integer("PostWebhookRetryCount"),
		ChannelMembersLimit:          f.integer("Limits.ChannelMembers"),
		UserChannelsLimit:            f.integer("Limits.UserChannels"),
		MediaCompatibilityMessage:    f.str("Media.CompatibilityMessage"),
	}
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	svc, err := s.core.UpdateService(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderService(r, svc))
}

func (s *Server) deleteService(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteService(r.Context(), actor(r), chi.URLParam(r, "ServiceSid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
