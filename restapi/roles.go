package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// roleJSON is chat.v2.service.role, in the spec's field order.
type roleJSON struct {
	SID          string   `json:"sid"`
	AccountSID   string   `json:"account_sid"`
	ServiceSID   string   `json:"service_sid"`
	FriendlyName string   `json:"friendly_name"`
	Type         string   `json:"type"`
	Permissions  []string `json:"permissions"`
	DateCreated  string   `json:"date_created"`
	DateUpdated  string   `json:"date_updated"`
	URL          string   `json:"url"`
}

func (s *Server) renderRole(r *http.Request, role *model.Role) roleJSON {
	perms := role.Permissions
	if perms == nil {
		perms = []string{}
	}
	return roleJSON{SID: role.SID, AccountSID: role.AccountSID, ServiceSID: role.ServiceSID,
		FriendlyName: role.FriendlyName, Type: string(role.Type), Permissions: perms,
		DateCreated: apiDate(role.DateCreated), DateUpdated: apiDate(role.DateUpdated),
		URL: s.join(r, "v2", "Services", role.ServiceSID, "Roles", role.SID)}
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListRoles(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]roleJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderRole(r, &items[i]))
	}
	s.writeList(w, r, "roles", out, info, page)
}

func (s *Server) createRole(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in core.RoleCreate
	if v := f.str("FriendlyName"); v != nil {
		in.FriendlyName = *v
	}
	if v := f.str("Type"); v != nil {
		in.Type = *v
	}
	in.Permissions = f.strs("Permission")
	role, err := s.core.CreateRole(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderRole(r, role))
}

func (s *Server) fetchRole(w http.ResponseWriter, r *http.Request) {
	role, err := s.core.GetRole(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "Sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderRole(r, role))
}

func (s *Server) updateRole(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.RoleUpdate{Permissions: f.strs("Permission")}
	role, err := s.core.UpdateRole(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "Sid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderRole(r, role))
}

func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteRole(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "Sid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
