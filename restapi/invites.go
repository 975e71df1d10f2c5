package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// inviteJSON is chat.v2.service.channel.invite, in the spec's field order.
type inviteJSON struct {
	SID         string  `json:"sid"`
	AccountSID  string  `json:"account_sid"`
	ChannelSID  string  `json:"channel_sid"`
	ServiceSID  string  `json:"service_sid"`
	Identity    string  `json:"identity"`
	DateCreated string  `json:"date_created"`
	DateUpdated string  `json:"date_updated"`
	RoleSID     *string `json:"role_sid"`
	CreatedBy   *string `json:"created_by"`
	URL         string  `json:"url"`
}

func (s *Server) renderInvite(r *http.Request, in *model.Invite) inviteJSON {
	return inviteJSON{SID: in.SID, AccountSID: in.AccountSID, ChannelSID: in.ChannelSID, ServiceSID: in.ServiceSID,
		Identity: in.Identity, DateCreated: apiDate(in.DateCreated), DateUpdated: apiDate(in.DateUpdated),
		RoleSID: nullable(in.RoleSID), CreatedBy: nullable(in.CreatedBy),
		URL: s.channelURL(r, in.ServiceSID, in.ChannelSID, "Invites", in.SID)}
}

func (s *Server) listInvites(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListInvites(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"),
		chi.URLParam(r, "ChannelSid"), r.URL.Query()["Identity"], pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]inviteJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderInvite(r, &items[i]))
	}
	s.writeList(w, r, "invites", out, info, page)
}

func (s *Server) createInvite(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.InviteCreate{Identity: chanStr(f.str("Identity")), RoleSID: chanStr(f.str("RoleSid"))}
	inv, err := s.core.CreateInvite(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderInvite(r, inv))
}

func (s *Server) fetchInvite(w http.ResponseWriter, r *http.Request) {
	inv, err := s.core.GetInvite(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderInvite(r, inv))
}

func (s *Server) deleteInvite(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteInvite(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "ChannelSid"),
		chi.URLParam(r, "Sid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
