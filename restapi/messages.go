package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// messageJSON is chat.v2.service.channel.message, in the spec's field order.
type messageJSON struct {
	SID           string            `json:"sid"`
	AccountSID    string            `json:"account_sid"`
	Attributes    string            `json:"attributes"`
	ServiceSID    string            `json:"service_sid"`
	To            string            `json:"to"`
	ChannelSID    string            `json:"channel_sid"`
	DateCreated   string            `json:"date_created"`
	DateUpdated   string            `json:"date_updated"`
	LastUpdatedBy *string           `json:"last_updated_by"`
	WasEdited     bool              `json:"was_edited"`
	From          string            `json:"from"`
	Body          string            `json:"body"`
	Index         int64             `json:"index"`
	Type          string            `json:"type"`
	Media         *messageMediaJSON `json:"media"`
	URL           string            `json:"url"`
}

// messageMediaJSON is the media object of a media message.
type messageMediaJSON struct {
	SID         string `json:"sid"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	Filename    string `json:"filename"`
}

func (s *Server) renderMessage(r *http.Request, m *model.Message) messageJSON {
	out := messageJSON{SID: m.SID, AccountSID: m.AccountSID, Attributes: m.Attributes, ServiceSID: m.ServiceSID,
		To: m.ChannelSID, ChannelSID: m.ChannelSID, DateCreated: apiDate(m.DateCreated),
		DateUpdated: apiDate(m.DateUpdated), LastUpdatedBy: nullable(m.LastUpdatedBy), WasEdited: m.WasEdited,
		From: m.From, Body: m.Body, Index: m.Index, Type: string(m.Type),
		URL: s.channelURL(r, m.ServiceSID, m.ChannelSID, "Messages", m.SID)}
	if m.Media != nil {
		out.Media = &messageMediaJSON{SID: m.Media.SID, Size: m.Media.Size, ContentType: m.Media.ContentType,
			Filename: m.Media.Filename}
	}
	return out
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListMessages(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"),
		chi.URLParam(r, "ChannelSid"), r.URL.Query().Get("Order"), pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]messageJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderMessage(r, &items[i]))
	}
	s.writeList(w, r, "messages", out, info, page)
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.MessageCreate{From: chanStr(f.str("From")), Attributes: chanStr(f.str("Attributes")),
		DateCreated: f.time("DateCreated"), DateUpdated: f.time("DateUpdated"),
		LastUpdatedBy: chanStr(f.str("LastUpdatedBy")), Body: f.str("Body"), MediaSID: chanStr(f.str("MediaSid"))}
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	m, err := s.core.CreateMessage(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderMessage(r, m))
}

func (s *Server) fetchMessage(w http.ResponseWriter, r *http.Request) {
	m, err := s.core.GetMessage(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderMessage(r, m))
}

func (s *Server) updateMessage(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.MessageUpdate{Body: f.str("Body"), Attributes: f.str("Attributes"), DateCreated: f.time("DateCreated"),
		DateUpdated: f.time("DateUpdated"), LastUpdatedBy: f.str("LastUpdatedBy"), From: f.str("From")}
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	m, err := s.core.UpdateMessage(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderMessage(r, m))
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteMessage(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
