package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// channelJSON is chat.v2.service.channel, in the spec's field order.
type channelJSON struct {
	SID           string           `json:"sid"`
	AccountSID    string           `json:"account_sid"`
	ServiceSID    string           `json:"service_sid"`
	FriendlyName  *string          `json:"friendly_name"`
	UniqueName    *string          `json:"unique_name"`
	Attributes    string           `json:"attributes"`
	Type          string           `json:"type"`
	DateCreated   string           `json:"date_created"`
	DateUpdated   string           `json:"date_updated"`
	CreatedBy     string           `json:"created_by"`
	MembersCount  int              `json:"members_count"`
	MessagesCount int              `json:"messages_count"`
	URL           string           `json:"url"`
	Links         channelLinksJSON `json:"links"`
}

type channelLinksJSON struct {
	Members     string  `json:"members"`
	Messages    string  `json:"messages"`
	Invites     string  `json:"invites"`
	Webhooks    string  `json:"webhooks"`
	LastMessage *string `json:"last_message"`
}

// chanStr returns the value of an optional string parameter, "" when it was
// not sent.
func chanStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) channelURL(r *http.Request, serviceSID, channelSID string, rest ...string) string {
	return s.join(r, append([]string{"v2", "Services", serviceSID, "Channels", channelSID}, rest...)...)
}

func (s *Server) renderChannel(r *http.Request, ch *model.Channel) channelJSON {
	out := channelJSON{SID: ch.SID, AccountSID: ch.AccountSID, ServiceSID: ch.ServiceSID,
		FriendlyName: nullable(ch.FriendlyName), UniqueName: nullable(ch.UniqueName), Attributes: ch.Attributes,
		Type: string(ch.Type), DateCreated: apiDate(ch.DateCreated), DateUpdated: apiDate(ch.DateUpdated),
		CreatedBy: ch.CreatedBy, MembersCount: ch.MembersCount, MessagesCount: ch.MessagesCount,
		URL: s.channelURL(r, ch.ServiceSID, ch.SID),
		Links: channelLinksJSON{Members: s.channelURL(r, ch.ServiceSID, ch.SID, "Members"),
			Messages: s.channelURL(r, ch.ServiceSID, ch.SID, "Messages"),
			Invites:  s.channelURL(r, ch.ServiceSID, ch.SID, "Invites"),
			Webhooks: s.channelURL(r, ch.ServiceSID, ch.SID, "Webhooks")}}
	if ch.LastMessageSID != "" {
		u := s.channelURL(r, ch.ServiceSID, ch.SID, "Messages", ch.LastMessageSID)
		out.Links.LastMessage = &u
	}
	return out
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListChannels(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"),
		r.URL.Query()["Type"], pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]channelJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderChannel(r, &items[i]))
	}
	s.writeList(w, r, "channels", out, info, page)
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.ChannelCreate{FriendlyName: chanStr(f.str("FriendlyName")), UniqueName: chanStr(f.str("UniqueName")),
		Attributes: chanStr(f.str("Attributes")), Type: chanStr(f.str("Type")), DateCreated: f.time("DateCreated"),
		DateUpdated: f.time("DateUpdated"), CreatedBy: chanStr(f.str("CreatedBy"))}
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	ch, err := s.core.CreateChannel(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderChannel(r, ch))
}

func (s *Server) fetchChannel(w http.ResponseWriter, r *http.Request) {
	ch, err := s.core.GetChannel(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderChannel(r, ch))
}

func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.ChannelUpdate{FriendlyName: f.str("FriendlyName"), UniqueName: f.str("UniqueName"),
		Attributes: f.str("Attributes"), DateCreated: f.time("DateCreated"), DateUpdated: f.time("DateUpdated"),
		CreatedBy: f.str("CreatedBy")}
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	ch, err := s.core.UpdateChannel(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderChannel(r, ch))
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteChannel(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
