// Package restapi serves Twilio's Programmable Chat v2 REST API (and the
// account Keys API that twilio-go uses) on chi. It only parses requests,
// calls core and renders Twilio's JSON shapes; every rule lives in core.
package restapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/parleychat/parley/core"
)

// Config configures the REST API handler.
type Config struct {
	// Core serves every request. Required.
	Core *core.Core
	// PublicURL is the absolute base URL clients reach Parley at (scheme and
	// host, optionally a path prefix), used for url, links and paging URLs.
	// Empty means it is derived from each request's Host header.
	PublicURL string
	// MaxBodyBytes limits request bodies; 0 means 1 MiB.
	MaxBodyBytes int64
	// Logger receives request errors; nil discards.
	Logger *slog.Logger
}

// Server is the REST API's http.Handler.
type Server struct {
	core      *core.Core
	publicURL string
	maxBody   int64
	log       *slog.Logger
	router    chi.Router
}

// New returns the REST API handler for cfg.
func New(cfg Config) *Server {
	s := &Server{core: cfg.Core, publicURL: strings.TrimRight(cfg.PublicURL, "/"), maxBody: cfg.MaxBodyBytes, log: cfg.Logger}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.writeError(w, r, errNoRoute) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Code: codeMethodNotAllowed, Message: "Method not allowed",
			MoreInfo: moreInfo(codeMethodNotAllowed), Status: http.StatusMethodNotAllowed})
	})
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	r.Group(func(r chi.Router) {
		r.Use(s.limitBody, s.authenticate)
		r.Route("/v2", func(r chi.Router) {
			r.Route("/Services", s.serviceRoutes)
			r.Route("/Credentials", s.credentialRoutes)
		})
		r.Route("/2010-04-01/Accounts/{AccountSid}", s.keyRoutes)
	})
	s.router = r
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// principalKey is the context key of the authenticated core.Principal.
type principalKey struct{}

// authenticate checks HTTP basic credentials through core.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="Parley"`)
			s.writeError(w, r, errAuthenticate)
			return
		}
		p, err := s.core.Authenticate(r.Context(), user, pass)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="Parley"`)
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// limitBody caps request bodies at maxBody bytes.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.maxBody {
			s.writeError(w, r, errTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		next.ServeHTTP(w, r)
	})
}

// principal returns the authenticated caller of r.
func principal(r *http.Request) core.Principal {
	p, _ := r.Context().Value(principalKey{}).(core.Principal)
	return p
}

// actor returns the core.Actor of a REST request: the account, with
// X-Twilio-Webhook-Enabled as sent.
func actor(r *http.Request) core.Actor {
	return core.API(strings.EqualFold(r.Header.Get("X-Twilio-Webhook-Enabled"), "true"))
}

// baseURL returns the absolute URL prefix for links in responses.
func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
