package restapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/core"
)

// listMeta is the meta object of a v2 list envelope.
type listMeta struct {
	Page            int     `json:"page"`
	PageSize        int     `json:"page_size"`
	FirstPageURL    string  `json:"first_page_url"`
	PreviousPageURL *string `json:"previous_page_url"`
	URL             string  `json:"url"`
	NextPageURL     *string `json:"next_page_url"`
	Key             string  `json:"key"`
}

// writeList renders a v2 list envelope: {key: items, meta: {...}} with
// absolute paging URLs that keep the request's filters (before the paging
// parameters, as Twilio orders them). items must be a non-nil slice so an
// empty page renders as [].
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, key string, items any, info core.PageInfo, page int) {
	q := r.URL.Query()
	filters := url.Values{}
	for k, vs := range q {
		switch k {
		case "PageSize", "Page", "PageToken":
		default:
			filters[k] = vs
		}
	}
	base := s.baseURL(r) + r.URL.Path + "?"
	if f := filters.Encode(); f != "" {
		base += f + "&"
	}
	pageURL := func(p int, token string) string {
		u := base + "PageSize=" + strconv.Itoa(info.Size) + "&Page=" + strconv.Itoa(p)
		if token != "" {
			u += "&PageToken=" + url.QueryEscape(token)
		}
		return u
	}
	meta := listMeta{Page: page, PageSize: info.Size, FirstPageURL: pageURL(0, ""),
		URL: pageURL(page, q.Get("PageToken")), Key: key}
	if info.NextToken != "" {
		u := pageURL(page+1, info.NextToken)
		meta.NextPageURL = &u
	}
	if info.PrevToken != "" {
		u := pageURL(max(page-1, 0), info.PrevToken)
		meta.PreviousPageURL = &u
	}
	writeJSON(w, http.StatusOK, map[string]any{key: items, "meta": meta})
}

// join builds an absolute URL from the base and path segments.
func (s *Server) join(r *http.Request, segs ...string) string {
	return s.baseURL(r) + "/" + strings.Join(segs, "/")
}

// apiDate renders a date as Twilio's v2 API does: UTC, RFC 3339, seconds.
func apiDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// nullable returns nil for "" so that unset optional strings render as
// null, as Twilio renders them.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
