package restapi

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// bindingJSON is chat.v2.service.binding, in the spec's field order.
type bindingJSON struct {
	SID           string            `json:"sid"`
	AccountSID    string            `json:"account_sid"`
	ServiceSID    string            `json:"service_sid"`
	DateCreated   string            `json:"date_created"`
	DateUpdated   string            `json:"date_updated"`
	Endpoint      *string           `json:"endpoint"`
	Identity      string            `json:"identity"`
	CredentialSID *string           `json:"credential_sid"`
	BindingType   string            `json:"binding_type"`
	MessageTypes  []string          `json:"message_types"`
	URL           string            `json:"url"`
	Links         map[string]string `json:"links"`
}

// userBindingJSON is chat.v2.service.user.user_binding, in the spec's field
// order.
type userBindingJSON struct {
	SID           string   `json:"sid"`
	AccountSID    string   `json:"account_sid"`
	ServiceSID    string   `json:"service_sid"`
	DateCreated   string   `json:"date_created"`
	DateUpdated   string   `json:"date_updated"`
	Endpoint      *string  `json:"endpoint"`
	Identity      string   `json:"identity"`
	UserSID       string   `json:"user_sid"`
	CredentialSID *string  `json:"credential_sid"`
	BindingType   string   `json:"binding_type"`
	MessageTypes  []string `json:"message_types"`
	URL           string   `json:"url"`
}

func messageTypes(b *model.Binding) []string {
	if b.MessageTypes == nil {
		return []string{}
	}
	return b.MessageTypes
}

func (s *Server) renderBinding(r *http.Request, b *model.Binding) bindingJSON {
	return bindingJSON{SID: b.SID, AccountSID: b.AccountSID, ServiceSID: b.ServiceSID,
		DateCreated: apiDate(b.DateCreated), DateUpdated: apiDate(b.DateUpdated), Endpoint: nullable(b.Endpoint),
		Identity: b.Identity, CredentialSID: nullable(b.CredentialSID), BindingType: b.BindingType,
		MessageTypes: messageTypes(b), URL: s.join(r, "v2", "Services", b.ServiceSID, "Bindings", b.SID),
		// Twilio links a binding's user by identity.
		Links: map[string]string{"user": s.join(r, "v2", "Services", b.ServiceSID, "Users", url.PathEscape(b.Identity))}}
}

func (s *Server) renderUserBinding(r *http.Request, b *model.Binding) userBindingJSON {
	return userBindingJSON{SID: b.SID, AccountSID: b.AccountSID, ServiceSID: b.ServiceSID,
		DateCreated: apiDate(b.DateCreated), DateUpdated: apiDate(b.DateUpdated), Endpoint: nullable(b.Endpoint),
		Identity: b.Identity, UserSID: b.UserSID, CredentialSID: nullable(b.CredentialSID), BindingType: b.BindingType,
		MessageTypes: messageTypes(b),
		URL:          s.join(r, "v2", "Services", b.ServiceSID, "Users", b.UserSID, "Bindings", b.SID)}
}

func (s *Server) listBindings(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := core.BindingFilter{BindingTypes: q["BindingType"], Identities: q["Identity"]}
	items, info, err := s.core.ListBindings(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), f, pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]bindingJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderBinding(r, &items[i]))
	}
	s.writeList(w, r, "bindings", out, info, page)
}

func (s *Server) fetchBinding(w http.ResponseWriter, r *http.Request) {
	b, err := s.core.GetBinding(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "Sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderBinding(r, b))
}

func (s *Server) deleteBinding(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteBinding(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "Sid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}

func (s *Server) listUserBindings(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListUserBindings(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"),
		chi.URLParam(r, "UserSid"), r.URL.Query()["BindingType"], pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]userBindingJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderUserBinding(r, &items[i]))
	}
	s.writeList(w, r, "bindings", out, info, page)
}

func (s *Server) fetchUserBinding(w http.ResponseWriter, r *http.Request) {
	b, err := s.core.GetUserBinding(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid"),
		chi.URLParam(r, "Sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderUserBinding(r, b))
}

func (s *Server) deleteUserBinding(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteUserBinding(r.Context(), actor(r), chi.URLParam(r, "ServiceSid"), chi.URLParam(r, "UserSid"),
		chi.URLParam(r, "Sid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
