package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestServerErrorsAndAuth(t *testing.T) {
	ts := startTestServer(t)
	// Unknown path, wrong method, no or bad credentials: Twilio error JSON.
	ts.wantError("GET", "/v2/Nope", nil, 404, 20404)
	ts.wantError("GET", "/v2/Services/IS0123456789abcdef0123456789abcdef", nil, 404, 20404)
	for _, tc := range []struct {
		name, user, pass string
		method, path     string
		wantStatus       int
		wantCode         int
	}{
		{"no credentials", "", "", "GET", "/v2/Services", 401, 20003},
		{"wrong token", testAccountSID, "wrongwrongwrongwrong", "GET", "/v2/Services", 401, 20003},
		{"unknown account", "AC99999999999999999999999999999999", testAuthToken, "GET", "/v2/Services", 401, 20003},
		{"unknown key", "SK99999999999999999999999999999999", testAuthToken, "GET", "/v2/Services", 401, 20003},
		{"method not allowed", testAccountSID, testAuthToken, "PUT", "/v2/Services", 405, 20004},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.BaseURL+tc.path, nil)
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Code, Status int }
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if resp.StatusCode != tc.wantStatus || e.Code != tc.wantCode || e.Status != tc.wantStatus {
				t.Errorf("got %d code %d (status field %d), want %d code %d", resp.StatusCode, e.Code, e.Status, tc.wantStatus, tc.wantCode)
			}
		})
	}
	// A body over --max-body is 413 and writes nothing.
	big := url.Values{"FriendlyName": {strings.Repeat("x", 2<<20)}}
	ts.wantError("POST", "/v2/Services", big, 413, 20413)
	st, body := ts.do("GET", "/v2/Services", nil)
	if st != 200 || !strings.Contains(string(body), `"services":[]`) {
		t.Errorf("after a refused create: %d %s; want no services", st, body)
	}
	// Health needs no credentials.
	resp, err := http.Get(ts.BaseURL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestServerPublicURLAndWebhookHeader(t *testing.T) {
	ctx := context.Background()
	cfg := serveConfig{Listen: "127.0.0.1:0", DataDir: t.TempDir(), AccountSID: testAccountSID,
		AuthToken: testAuthToken, PublicURL: "https://chat.example.com/", LogLevel: "error", LogFormat: "text"}
	srv, err := startServer(ctx, cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)
	req, _ := http.NewRequest("POST", "http://"+srv.Addr()+"/v2/Services", strings.NewReader("FriendlyName=pub"))
	req.SetBasicAuth(testAccountSID, testAuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Webhook-Enabled", "true")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var svc struct {
		SID   string            `json:"sid"`
		URL   string            `json:"url"`
		Links map[string]string `json:"links"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&svc); err != nil || resp.StatusCode != 201 {
		t.Fatalf("create: %d %v", resp.StatusCode, err)
	}
	if want := "https://chat.example.com/v2/Services/" + svc.SID; svc.URL != want || svc.Links["channels"] != want+"/Channels" {
		t.Errorf("url %q, links %v; want them under %s", svc.URL, svc.Links, want)
	}
}

// parleyProc is a running `parley serve` binary.
type parleyProc struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stdout strings.Builder
	exited chan error
}

func (p *parleyProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

// startBinary runs `bin serve` on a free port and waits until it listens.
func startBinary(t *testing.T, bin, dataDir string) *parleyProc {
	t.Helper()
	p := &parleyProc{exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "json")
	p.cmd.Env = append(os.Environ(), "PARLEY_ACCOUNT_SID=", "PARLEY_AUTH_TOKEN=")
	stderr, _ := p.cmd.StderrPipe()
	stdout, _ := p.cmd.StdoutPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var l struct{ Msg, Rest string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "parley listening" {
				addrc <- strings.TrimPrefix(l.Rest, "http://")
			}
		}
	}()
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.stdout.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		p.exited <- p.cmd.Wait()
	}()
	select {
	case p.addr = <-addrc:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		t.Fatal("parley serve did not start listening")
	}
	return p
}

// stop sends sig and waits for a clean exit (status 0).
func (p *parleyProc) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("parley serve after %v: %v; want exit status 0", sig, err)
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("parley serve did not stop after %v", sig)
	}
}

// TestServeBinary builds the real binary, lets it generate credentials on
// first start, stops it with SIGINT, and checks that a second start keeps
// the data and the credentials without printing them again.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "parley")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := t.TempDir()
	credRe := regexp.MustCompile(`Account SID: (AC[0-9a-f]{32})\s+Auth token:\s+([0-9a-f]{32})`)

	p := startBinary(t, bin, dataDir)
	var creds []string
	for deadline := time.Now().Add(5 * time.Second); creds == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		creds = credRe.FindStringSubmatch(p.output())
	}
	if creds == nil {
		p.stop(t, syscall.SIGTERM)
		t.Fatalf("first start printed no generated credentials: %q", p.output())
	}
	call := func(p *parleyProc, method, path, form string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+p.addr+path, strings.NewReader(form))
		req.SetBasicAuth(creds[1], creds[2])
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, body := call(p, "POST", "/v2/Services", "FriendlyName=durable")
	var svc struct{ SID string }
	if err := json.Unmarshal([]byte(body), &svc); st != 201 || err != nil {
		t.Fatalf("create service: %d %s", st, body)
	}
	p.stop(t, os.Interrupt)

	p = startBinary(t, bin, dataDir)
	defer p.stop(t, syscall.SIGTERM)
	if st, body := call(p, "GET", "/v2/Services/"+svc.SID, ""); st != 200 || !strings.Contains(body, `"friendly_name":"durable"`) {
		t.Errorf("after restart: %d %s; want the service created before", st, body)
	}
	time.Sleep(100 * time.Millisecond)
	if strings.Contains(p.output(), "Auth token") {
		t.Errorf("second start printed credentials again: %q", p.output())
	}
}
