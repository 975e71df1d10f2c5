package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// userJSON is chat.v2.service.user, in the spec's field order.
type userJSON struct {
	SID          string  `json:"sid"`
	AccountSID   string  `json:"account_sid"`
	ServiceSID   string  `json:"service_sid"`
	Attributes   string  `json:"attributes"`
	FriendlyName *string `json:"friendly_name"`
	RoleSID      *string `json:"role_sid"`
	Identity     string  `json:"identity"`
	// IsOnline and IsNotifiable are set on a single fetch of a user of a
	// service with reachability enabled, null otherwise (docs/compat.md).
	IsOnline            *bool             `json:"is_online"`
	IsNotifiable        *bool             `json:"is_notifiable"`
	DateCreated         string            `json:"date_created"`
	DateUpdated         string            `json:"date_updated"`
	JoinedChannelsCount int               `json:"joined_channels_count"`
	Links               map[string]string `json:"links"`
	URL                 string            `json:"url"`
}

func (s *Server) renderUser(r *http.Request, u *model.User) userJSON {
	url := s.join(r, "v2", "Services", u.ServiceSID, "Users", u.SID)
	return userJSON{SID: u.SID, AccountSID: u.AccountSID, ServiceSID: u.ServiceSID, Attributes: u.Attributes,
		FriendlyName: nullable(u.FriendlyName), RoleSID: nullable(u.RoleSID), Identity: u.Identity,
		DateCreated: apiDate(u.DateCreated), DateUpdated: apiDate(u.DateUpdated),
		JoinedChannelsCount: u.JoinedChannelsCount,
		Links:               map[string]string{"user_channels": url + "/Channels", "user_bindings": url + "/Bindings"},
		URL:                 url}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListUsers(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]userJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderUser(r, &items[i]))
	}
	s.writeList(w, r, "users", out, info, page)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in core.UserCreate
	for name, dst := range map[string]*string{"Identity": &in.Identity, "RoleSid": &in.RoleSID,
		"Attributes": &in.Attributes, "FriendlyName": &in.FriendlyName} {
		if v := f.str(name); v != nil {
			*dst = *v
		}
	}
	u, err := s.core.CreateUser(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderUser(r, u))
}

func (s *Server) fetchUser(w http.ResponseWriter, r *http.Request) {
	u, reach, err := s.core.FetchUser(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := s.renderUser(r, u)
	out.IsOnline, out.IsNotifiable = reach.Online, reach.Notifiable
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.UserUpdate{RoleSID: f.str("RoleSid"), Attributes: f.str("Attributes"), FriendlyName: f.str("FriendlyName")}
	u, err := s.core.UpdateUser(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderUser(r, u))
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteUser(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
