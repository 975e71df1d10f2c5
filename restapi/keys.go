package restapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/model"
)

// Twilio's 2010-04-01 Keys API, which twilio-go's Api.CreateNewKey,
// FetchKey, ListKey, UpdateKey and DeleteKey call. Its shapes differ from
// Chat v2: RFC 2822 dates, and a list envelope with relative *_uri fields.

// keyJSON is api.v2010.key; newKeyJSON adds the secret, shown only once.
type keyJSON struct {
	SID          string `json:"sid"`
	FriendlyName string `json:"friendly_name"`
	DateCreated  string `json:"date_created"`
	DateUpdated  string `json:"date_updated"`
}

type newKeyJSON struct {
	keyJSON
	Secret string `json:"secret"`
}

// keyListJSON is the 2010 API's list envelope.
type keyListJSON struct {
	Keys            []keyJSON `json:"keys"`
	End             int       `json:"end"`
	FirstPageURI    string    `json:"first_page_uri"`
	NextPageURI     *string   `json:"next_page_uri"`
	Page            int       `json:"page"`
	PageSize        int       `json:"page_size"`
	PreviousPageURI *string   `json:"previous_page_uri"`
	Start           int       `json:"start"`
	URI             string    `json:"uri"`
}

// rfc2822 renders a date as the 2010 API does: "Mon, 02 Jan 2006 15:04:05 +0000".
func rfc2822(t time.Time) string {
	return t.UTC().Format(time.RFC1123Z)
}

func renderKey(k *model.APIKey) keyJSON {
	return keyJSON{SID: k.SID, FriendlyName: k.FriendlyName, DateCreated: rfc2822(k.DateCreated),
		DateUpdated: rfc2822(k.DateUpdated)}
}

// keyAccount checks that the path's account is the caller's; another
// account's keys do not exist here.
func (s *Server) keyAccount(w http.ResponseWriter, r *http.Request) bool {
	if chi.URLParam(r, "AccountSid") != principal(r).AccountSID {
		s.writeError(w, r, errNoRoute)
		return false
	}
	return true
}

// keySID reads the {SidJSON} segment, which chi cannot split at ".json".
func keySID(r *http.Request) string {
	sid, ok := strings.CutSuffix(chi.URLParam(r, "SidJSON"), ".json")
	if !ok {
		return ""
	}
	return sid
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	if !s.keyAccount(w, r) {
		return
	}
	pp, page, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, info, err := s.core.ListKeys(r.Context(), pp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	uri := func(p int, token string) string {
		u := r.URL.Path + "?PageSize=" + strconv.Itoa(info.Size) + "&Page=" + strconv.Itoa(p)
		if token != "" {
			u += "&PageToken=" + url.QueryEscape(token)
		}
		return u
	}
	out := keyListJSON{Keys: make([]keyJSON, 0, len(items)), FirstPageURI: uri(0, ""), Page: page,
		PageSize: info.Size, Start: page * info.Size, URI: uri(page, pp.Token)}
	for i := range items {
		out.Keys = append(out.Keys, renderKey(&items[i]))
	}
	out.End = out.Start + max(len(items)-1, 0)
	if info.NextToken != "" {
		u := uri(page+1, info.NextToken)
		out.NextPageURI = &u
	}
	if info.PrevToken != "" {
		u := uri(max(page-1, 0), info.PrevToken)
		out.PreviousPageURI = &u
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) {
	if !s.keyAccount(w, r) {
		return
	}
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := ""
	if v := f.str("FriendlyName"); v != nil {
		name = *v
	}
	k, secret, err := s.core.CreateKey(r.Context(), name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newKeyJSON{keyJSON: renderKey(k), Secret: secret})
}

func (s *Server) fetchKey(w http.ResponseWriter, r *http.Request) {
	if !s.keyAccount(w, r) {
		return
	}
	k, err := s.core.GetKey(r.Context(), keySID(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderKey(k))
}

func (s *Server) updateKey(w http.ResponseWriter, r *http.Request) {
	if !s.keyAccount(w, r) {
		return
	}
	f, err := parseForm(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.core.UpdateKey(r.Context(), keySID(r), f.str("FriendlyName"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderKey(k))
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) {
	if !s.keyAccount(w, r) {
		return
	}
	if err := s.core.DeleteKey(r.Context(), keySID(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeNoContent(w)
}
