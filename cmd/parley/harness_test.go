package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
)

// Fixed root credentials of the test servers.
const (
	testAccountSID = "AC0123456789abcdef0123456789abcdef"
	testAuthToken  = "0123456789abcdef0123456789abcdef"
)

// testServer is a real Parley listening on a free loopback port, with a
// twilio-go client pointed at it whose every Chat v2 response is validated
// against Twilio's OpenAPI spec.
type testServer struct {
	t       *testing.T
	srv     *server
	BaseURL string
	// MQTTAddr is the bound address of MQTT over TCP.
	MQTTAddr string
	// Twilio is a twilio-go client talking to the server with the root
	// credentials, as a backend would after changing only URL and
	// credentials.
	Twilio *twilio.RestClient
	// Validated counts the responses checked against the spec.
	validated *atomic.Int64
}

// startTestServer starts Parley on a temporary data dir, with MQTT over
// TCP on a free port too; opts adjust the configuration. The server is
// closed when the test ends.
func startTestServer(t *testing.T, opts ...func(*serveConfig)) *testServer {
	t.Helper()
	ctx := context.Background()
	cfg := serveConfig{Listen: "127.0.0.1:0", DataDir: t.TempDir(), AccountSID: testAccountSID,
		AuthToken: testAuthToken, LogLevel: "error", LogFormat: "text", MaxBody: 1 << 20,
		MQTTListen: "127.0.0.1:0"}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := startServer(ctx, cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	ts := &testServer{t: t, srv: srv, BaseURL: "http://" + srv.Addr(), MQTTAddr: srv.MQTTAddr(),
		validated: new(atomic.Int64)}
	ts.Twilio = ts.twilioClient(testAccountSID, testAuthToken)
	return ts
}

// twilioClient returns a twilio-go client authenticating as username and
// password against the test server.
func (ts *testServer) twilioClient(username, password string) *twilio.RestClient {
	c := &twclient.Client{Credentials: twclient.NewCredentials(username, password),
		HTTPClient: &http.Client{Transport: &specTransport{ts: ts}}}
	c.SetAccountSid(testAccountSID)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
}

// specTransport sends twilio-go's requests to the test server instead of
// Twilio's hosts and validates each Chat v2 response against the spec.
type specTransport struct {
	ts *testServer
}

func (st *specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base, _ := url.Parse(st.ts.BaseURL)
	orig := *req.URL
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = base.Scheme, base.Host
	req.Host = base.Host
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(orig.Path, "/v2/") {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		st.ts.validate(req.Method, orig.Path, orig.RawQuery, reqBody, resp, body)
	}
	return resp, nil
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// loadSpec loads testdata/twilio/twilio_chat_v2.openapi.json once.
func loadSpec() (routers.Router, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile("../../testdata/twilio/twilio_chat_v2.openapi.json")
		if err != nil {
			specErr = err
			return
		}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	return specRouter, specErr
}

// errNoOperation marks a path the spec does not describe.
var errNoOperation = errors.New("no operation in the spec")

// specCheck validates one response against its operation's response schema
// in Twilio's spec.
func specCheck(method, path, rawQuery string, reqBody []byte, status int, header http.Header, body []byte) error {
	router, err := loadSpec()
	if err != nil {
		return fmt.Errorf("load OpenAPI spec: %w", err)
	}
	u, _ := url.Parse("https://chat.twilio.com" + path)
	u.RawQuery = rawQuery
	req, _ := http.NewRequest(method, u.String(), bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%w: %v", errNoOperation, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  status,
		Header:  header,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// validate checks one response against the spec and, for errors, Twilio's
// error JSON.
func (ts *testServer) validate(method, path, rawQuery string, reqBody []byte, resp *http.Response, body []byte) {
	t := ts.t
	t.Helper()
	err := specCheck(method, path, rawQuery, reqBody, resp.StatusCode, resp.Header, body)
	switch {
	case errors.Is(err, errNoOperation) && resp.StatusCode >= 400:
		// Only error answers may come from paths the spec does not have
		// (tests send those on purpose); they must still be Twilio errors.
	case err != nil:
		t.Errorf("%s %s: response %d does not match the spec: %v\nbody: %s", method, path, resp.StatusCode, err, body)
	}
	if resp.StatusCode >= 400 {
		ts.checkErrorBody(method, path, resp.StatusCode, body)
	}
	ts.validated.Add(1) // atomic: concurrent tests send from many goroutines
}

// checkErrorBody checks a Twilio error JSON: code, message, more_info and a
// status equal to the HTTP status.
func (ts *testServer) checkErrorBody(method, path string, status int, body []byte) {
	ts.t.Helper()
	var e struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
		Status   int    `json:"status"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Code == 0 || e.Message == "" || e.Status != status ||
		!strings.HasPrefix(e.MoreInfo, "https://www.twilio.com/docs/errors/") {
		ts.t.Errorf("%s %s: bad Twilio error body for status %d: %s", method, path, status, body)
	}
}

// do sends a raw request with the root credentials and returns the status
// and body; form values go in the body of a POST, the query otherwise.
func (ts *testServer) do(method, path string, form url.Values) (int, []byte) {
	ts.t.Helper()
	u := ts.BaseURL + path
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if len(form) > 0 {
		u += "?" + form.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		ts.t.Fatal(err)
	}
	req.SetBasicAuth(testAccountSID, testAuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(path, "/v2/") {
		p, q, _ := strings.Cut(path, "?")
		if method != http.MethodPost && len(form) > 0 {
			q = form.Encode()
		}
		var rb []byte
		if method == http.MethodPost {
			rb = []byte(form.Encode())
		}
		ts.validate(method, p, q, rb, resp, b)
	}
	return resp.StatusCode, b
}

// wantError asserts an HTTP status and Twilio code from a raw call.
func (ts *testServer) wantError(method, path string, form url.Values, wantStatus, wantCode int) {
	ts.t.Helper()
	st, body := ts.do(method, path, form)
	var e struct {
		Code int `json:"code"`
	}
	_ = json.Unmarshal(body, &e)
	if st != wantStatus || e.Code != wantCode {
		ts.t.Errorf("%s %s %v: got %d code %d, want %d code %d; body %s", method, path, form, st, e.Code, wantStatus, wantCode, body)
	}
}

// TestSpecCheckCatchesMismatches shows the spec validation the e2e tests
// rely on can fail: wrong types and missing envelope keys are reported.
func TestSpecCheckCatchesMismatches(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}}
	path := "/v2/Services/IS0123456789abcdef0123456789abcdef/Channels/CH0123456789abcdef0123456789abcdef"
	good := `{"sid":"CH0123456789abcdef0123456789abcdef","members_count":1,"messages_count":2}`
	if err := specCheck("GET", path, "", nil, 200, h, []byte(good)); err != nil {
		t.Fatalf("a well-formed channel was refused: %v", err)
	}
	for _, bad := range []string{
		`{"sid":"CH0123456789abcdef0123456789abcdef","members_count":"one"}`,
		`{"sid":"not-a-sid"}`,
		`{"sid":"CH0123456789abcdef0123456789abcdef","type":"secret"}`,
		`not json`,
	} {
		if err := specCheck("GET", path, "", nil, 200, h, []byte(bad)); err == nil {
			t.Errorf("specCheck accepted %s", bad)
		}
	}
	if err := specCheck("GET", "/v2/Nope", "", nil, 200, h, []byte(`{}`)); !errors.Is(err, errNoOperation) {
		t.Errorf("unknown path: err = %v, want errNoOperation", err)
	}
}
