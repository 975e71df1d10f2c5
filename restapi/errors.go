package restapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleychat/parley/model"
)

var (
	errAuthenticate = model.Errorf(model.KindUnauthenticated, model.CodeAuthenticate, "Authenticate")
	errNoRoute      = model.Errorf(model.KindNotFound, model.CodeNotFound, "not found")
	errTooLarge     = model.Errorf(model.KindTooLarge, model.CodeRequestTooLarge, "Request body too large")
)

// codeMethodNotAllowed is Twilio's code for an unsupported method.
const codeMethodNotAllowed = 20004

// moreInfo is the documentation URL of a Twilio error code.
func moreInfo(code int) string { return "https://www.twilio.com/docs/errors/" + strconv.Itoa(code) }

// errorBody is Twilio's error JSON.
type errorBody struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// writeError renders err as Twilio's error JSON with the matching status.
// A miss reads as Twilio words it, with the request path minus /v2.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = errTooLarge
	}
	e := model.AsError(err)
	st := e.Kind.HTTPStatus()
	msg := e.Message
	if e.Code == model.CodeNotFound {
		msg = "The requested resource " + strings.TrimPrefix(r.URL.Path, "/v2") + " was not found"
	}
	if st == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, st, errorBody{Code: e.Code, Message: msg,
		MoreInfo: moreInfo(e.Code), Status: st})
}

// writeJSON renders v as the JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	// Twilio's JSON carries URLs with a plain '&'; encoding/json would
	// escape it as \u0026 unless told not to.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":20500,"message":"An internal server error occurred","more_info":"https://www.twilio.com/docs/errors/20500","status":500}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeNoContent answers a delete.
func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}
