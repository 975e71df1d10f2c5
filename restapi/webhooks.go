package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// webhookJSON is chat.v2.service.channel.channel_webhook, in the spec's
// field order.
type webhookJSON struct {
	SID           string            `json:"sid"`
	AccountSID    string            `json:"account_sid"`
	ServiceSID    string            `json:"service_sid"`
	ChannelSID    string            `json:"channel_sid"`
	Type          string            `json:"type"`
	URL           string            `json:"url"`
	Configuration webhookConfigJSON `json:"configuration"`
	DateCreated   string            `json:"date_created"`
	DateUpdated   string            `json:"date_updated"`
}

// webhookConfigJSON is the configuration object as Twilio's examples show
// it: what does not apply to the webhook's type is left out.
type webhookConfigJSON struct {
	URL        string   `json:"url,omitempty"`
	Method     string   `json:"method,omitempty"`
	Filters    []string `json:"filters,omitempty"`
	Triggers   []string `json:"triggers,omitempty"`
	FlowSID    string   `json:"flow_sid,omitempty"`
	RetryCount int      `json:"retry_count"`
}

func (s *Server) renderWebhook(r *http.Request, wh *model.Webhook) webhookJSON {
	cfg := webhookConfigJSON{URL: wh.URL, Filters: wh.Filters, Triggers: wh.Triggers, FlowSID: wh.FlowSID,
		RetryCount: wh.RetryCount}
	if wh.Type != model.WebhookTypeStudio {
		cfg.Method = wh.Method
	}
	return webhookJSON{SID: wh.SID, AccountSID: wh.AccountSID, ServiceSID: wh.ServiceSID, ChannelSID: wh.ChannelSID,
		Type: string(wh.Type), URL: s.channelURL(r, wh.ServiceSID, wh.ChannelSID, "Webhooks", wh.SID),
		Configuration: cfg, DateCreated: apiDate(wh.DateCreated), DateUpdated: apiDate(wh.DateUpdated)}
}

// webhookConfig reads the Configuration.* parameters.
func webhookConfig(f *form) core.WebhookConfig {
	return core.WebhookConfig{URL: f.str("Configuration.Url"), Method: f.str("Configuration.Method"),
		Filters: f.strs("Configuration.Filters"), Triggers: f.strs("Configuration.Triggers"),
		FlowSID: f.str("Configuration.FlowSid"), RetryCount: f.integer("Configuration.RetryCount")}
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListWebhooks(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"),
		chi.URLParam(r, "ChannelSid"), pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]webhookJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderWebhook(r, &items[i]))
	}
	s.writeList(w, r, "webhooks", out, info, page)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.WebhookCreate{Type: chanStr(f.str("Type")), Config: webhookConfig(f)}
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	wh, err := s.core.CreateWebhook(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderWebhook(r, wh))
}

func (s *Server) fetchWebhook(w http.ResponseWriter, r *http.Request) {
	wh, err := s.core.GetWebhook(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderWebhook(r, wh))
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := webhookConfig(f)
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	wh, err := s.core.UpdateWebhook(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderWebhook(r, wh))
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteWebhook(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
