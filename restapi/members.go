package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// memberJSON is chat.v2.service.channel.member, in the spec's field order.
type memberJSON struct {
	SID                      string  `json:"sid"`
	AccountSID               string  `json:"account_sid"`
	ChannelSID               string  `json:"channel_sid"`
	ServiceSID               string  `json:"service_sid"`
	Identity                 string  `json:"identity"`
	DateCreated              string  `json:"date_created"`
	DateUpdated              string  `json:"date_updated"`
	RoleSID                  *string `json:"role_sid"`
	LastConsumedMessageIndex *int64  `json:"last_consumed_message_index"`
	LastConsumptionTimestamp *string `json:"last_consumption_timestamp"`
	URL                      string  `json:"url"`
	Attributes               string  `json:"attributes"`
}

func (s *Server) renderMember(r *http.Request, m *model.Member) memberJSON {
	out := memberJSON{SID: m.SID, AccountSID: m.AccountSID, ChannelSID: m.ChannelSID, ServiceSID: m.ServiceSID,
		Identity: m.Identity, DateCreated: apiDate(m.DateCreated), DateUpdated: apiDate(m.DateUpdated),
		RoleSID: nullable(m.RoleSID), LastConsumedMessageIndex: m.LastConsumedMessageIndex,
		URL: s.channelURL(r, m.ServiceSID, m.ChannelSID, "Members", m.SID), Attributes: m.Attributes}
	if m.LastConsumptionTimestamp != nil {
		ts := apiDate(*m.LastConsumptionTimestamp)
		out.LastConsumptionTimestamp = &ts
	}
	return out
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListMembers(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"),
		chi.URLParam(r, "ChannelSid"), r.URL.Query()["Identity"], pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]memberJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderMember(r, &items[i]))
	}
	s.writeList(w, r, "members", out, info, page)
}

func (s *Server) createMember(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	idx, _ := f.nullableInt64("LastConsumedMessageIndex")
	in := core.MemberCreate{Identity: chanStr(f.str("Identity")), RoleSID: chanStr(f.str("RoleSid")),
		LastConsumedMessageIndex: idx, LastConsumptionTimestamp: f.time("LastConsumptionTimestamp"),
		DateCreated: f.time("DateCreated"), DateUpdated: f.time("DateUpdated"), Attributes: chanStr(f.str("Attributes"))}
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	m, err := s.core.CreateMember(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderMember(r, m))
}

func (s *Server) fetchMember(w http.ResponseWriter, r *http.Request) {
	m, err := s.core.GetMember(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderMember(r, m))
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in core.MemberUpdate
	in.RoleSID = f.str("RoleSid")
	in.LastConsumedMessageIndex.Value, in.LastConsumedMessageIndex.Set = f.nullableInt64("LastConsumedMessageIndex")
	in.LastConsumptionTimestamp = f.time("LastConsumptionTimestamp")
	in.DateCreated = f.time("DateCreated")
	in.DateUpdated = f.time("DateUpdated")
	in.Attributes = f.str("Attributes")
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	m, err := s.core.UpdateMember(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderMember(r, m))
}

func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteMember(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
