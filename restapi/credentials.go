package restapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// credentialJSON is chat.v2.credential, in the spec's field order. Secrets
// are never rendered.
type credentialJSON struct {
	SID          string  `json:"sid"`
	AccountSID   string  `json:"account_sid"`
	FriendlyName *string `json:"friendly_name"`
	Type         string  `json:"type"`
	Sandbox      *string `json:"sandbox"`
	DateCreated  string  `json:"date_created"`
	DateUpdated  string  `json:"date_updated"`
	URL          string  `json:"url"`
}

func (s *Server) renderCredential(r *http.Request, c *model.Credential) credentialJSON {
	return credentialJSON{SID: c.SID, AccountSID: c.AccountSID, FriendlyName: nullable(c.FriendlyName), Type: c.Type,
		Sandbox: nullable(c.Sandbox), DateCreated: apiDate(c.DateCreated), DateUpdated: apiDate(c.DateUpdated),
		URL: s.join(r, "v2", "Credentials", c.SID)}
}

func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request) {
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListCredentials(r.Context(), actor(r), pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]credentialJSON, 0, len(items))
	for i := range items {
		out = append(out, s.renderCredential(r, &items[i]))
	}
	s.writeList(w, r, "credentials", out, info, page)
}

func (s *Server) createCredential(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in core.CredentialCreate
	for name, dst := range map[string]*string{"Type": &in.Type, "FriendlyName": &in.FriendlyName,
		"Certificate": &in.Certificate, "PrivateKey": &in.PrivateKey, "ApiKey": &in.APIKey, "Secret": &in.Secret} {
		if v := f.str(name); v != nil {
			*dst = *v
		}
	}
	in.Sandbox = f.boolean("Sandbox")
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	c, err := s.core.CreateCredential(r.Context(), actor(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.renderCredential(r, c))
}

func (s *Server) fetchCredential(w http.ResponseWriter, r *http.Request) {
	c, err := s.core.GetCredential(r.Context(), actor(r), chi.URLParam(r, "Sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderCredential(r, c))
}

func (s *Server) updateCredential(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := core.CredentialUpdate{FriendlyName: f.str("FriendlyName"), Certificate: f.str("Certificate"),
		PrivateKey: f.str("PrivateKey"), Sandbox: f.boolean("Sandbox"), APIKey: f.str("ApiKey"), Secret: f.str("Secret")}
	if f.err != nil {
		s.writeError(w, r, f.err)
		return
	}
	c, err := s.core.UpdateCredential(r.Context(), actor(r), chi.URLParam(r, "Sid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.renderCredential(r, c))
}

func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request) {
	if err := s.core.DeleteCredential(r.Context(), actor(r), chi.URLParam(r, "Sid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
