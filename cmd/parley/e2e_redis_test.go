package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	goredis "github.com/redis/go-redis/v9"
	twclient "github.com/twilio/twilio-go/client"
	chat "github.com/twilio/twilio-go/rest/chat/v2"
)

// testSecretKey is the secret key every node of a Redis test shares.
const testSecretKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// redisProc is a redis-server process started for a test on a free
// loopback port, with its data in a temporary directory.
type redisProc struct {
	bin  string
	addr string
	args []string
	cmd  *exec.Cmd
}

// startRedisServer starts redis-server and stops it when the test ends;
// extra adds options (none: no persistence). It skips the test when
// redis-server is not installed.
func startRedisServer(t *testing.T, extra ...string) *redisProc {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server; .ci/run installs it): skipping the Redis e2e tests")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	r := &redisProc{bin: bin, addr: "127.0.0.1:" + strconv.Itoa(port)}
	r.args = []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--dir", t.TempDir(), "--daemonize", "no", "--logfile", ""}
	if len(extra) == 0 {
		extra = []string{"--appendonly", "no"}
	}
	r.args = append(r.args, extra...)
	r.start(t)
	t.Cleanup(r.stop)
	return r
}

// start runs redis-server and waits until it answers PING.
func (r *redisProc) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command(r.bin, r.args...)
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(&goredis.Options{Addr: r.addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.stop()
			t.Fatalf("redis-server on %s did not answer PING", r.addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills redis-server (SIGKILL, as a crash) and reaps it.
func (r *redisProc) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
	r.cmd = nil
}

var redisPrefixes atomic.Int64

// onRedis configures a test server to use the Redis at r under prefix.
func onRedis(r *redisProc, prefix string) func(*serveConfig) {
	return func(c *serveConfig) {
		c.Redis = "redis://" + r.addr + "/0"
		c.RedisPrefix = prefix
		c.SecretKey = testSecretKey
	}
}

// freshRedisPrefix returns a key prefix no other test uses.
func freshRedisPrefix() string { return fmt.Sprintf("e2e%d:", redisPrefixes.Add(1)) }

// restStatus is the status and Twilio error code of a GET with the root
// credentials, bounded by a client timeout.
func restStatus(t *testing.T, baseURL, path string) (int, int, time.Duration) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(testAccountSID, testAuthToken)
	start := time.Now()
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, 0, took
	}
	var e struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
		Status   int    `json:"status"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Status != resp.StatusCode || e.Message == "" ||
		!strings.HasPrefix(e.MoreInfo, "https://www.twilio.com/docs/errors/") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET %s: %d is not a Twilio JSON error: %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, e.Code, took
}

func TestRedisRESTFlow(t *testing.T) {
	r := startRedisServer(t)
	ts := startTestServer(t, onRedis(r, freshRedisPrefix()))
	if _, ok := ts.srv.store.(interface {
		Client() goredis.UniversalClient
	}); !ok {
		t.Fatalf("store is %T, want the Redis store", ts.srv.store)
	}
	api := ts.Twilio.ChatV2
	svc, err := api.CreateService(new(chat.CreateServiceParams).SetFriendlyName("on redis"))
	if err != nil {
		t.Fatal(err)
	}
	IS := *svc.Sid
	ch, err := api.CreateChannel(IS, new(chat.CreateChannelParams).SetFriendlyName("General").SetUniqueName("general"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := api.CreateUser(IS, new(chat.CreateUserParams).SetIdentity("alice").SetFriendlyName("Alice"))
	if err != nil || *u.Identity != "alice" || *u.FriendlyName != "Alice" {
		t.Fatalf("create user: %v %+v", err, u)
	}
	mb, err := api.CreateMember(IS, *ch.Sid, new(chat.CreateMemberParams).SetIdentity("alice"))
	if err != nil || *mb.Identity != "alice" || !strings.HasPrefix(*mb.Sid, "MB") {
		t.Fatalf("create member: %v %+v", err, mb)
	}
	const n = 7
	for i := range n {
		m, err := api.CreateMessage(IS, "general", new(chat.CreateMessageParams).SetBody("m"+strconv.Itoa(i)).SetFrom("alice"))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if m.Index != i || *m.Body != "m"+strconv.Itoa(i) || *m.From != "alice" {
			t.Fatalf("message %d: index %d body %q from %q", i, m.Index, *m.Body, *m.From)
		}
	}
	// Paging: twilio-go follows next_page_url over four pages of two.
	for _, order := range []string{"asc", "desc"} {
		ms, err := api.ListMessage(IS, *ch.Sid, new(chat.ListMessageParams).SetPageSize(2).SetOrder(order))
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != n {
			t.Fatalf("%s: %d messages, want %d", order, len(ms), n)
		}
		for i, m := range ms {
			want := i
			if order == "desc" {
				want = n - 1 - i
			}
			if m.Index != want || *m.Body != "m"+strconv.Itoa(want) {
				t.Errorf("%s page item %d: index %d body %q, want %d", order, i, m.Index, *m.Body, want)
			}
		}
	}
	page, err := api.PageMessage(IS, *ch.Sid, new(chat.ListMessageParams).SetPageSize(3), "", "")
	if err != nil || len(page.Messages) != 3 || page.Meta.NextPageUrl == nil || *page.Meta.NextPageUrl == "" {
		t.Fatalf("first page: %v %+v", err, page)
	}
	c, err := api.FetchChannel(IS, "general")
	if err != nil || c.MessagesCount != n || c.MembersCount != 1 {
		t.Fatalf("channel counts: %v %+v", err, c)
	}
	u, err = api.FetchUser(IS, "alice")
	if err != nil || u.JoinedChannelsCount != 1 {
		t.Fatalf("user joined count: %v %+v", err, u)
	}
	// Delete cascade: the channel's members and messages go with it, and
	// the user's joined count drops.
	if err := api.DeleteChannel(IS, *ch.Sid, nil); err != nil {
		t.Fatal(err)
	}
	var te *twclient.TwilioRestError
	if _, err := api.FetchMember(IS, *ch.Sid, *mb.Sid); !errors.As(err, &te) || te.Status != 404 {
		t.Errorf("member after channel delete: %v", err)
	}
	if _, err := api.ListMessage(IS, *ch.Sid, nil); !errors.As(err, &te) || te.Status != 404 {
		t.Errorf("messages after channel delete: %v", err)
	}
	u, err = api.FetchUser(IS, "alice")
	if err != nil || u.JoinedChannelsCount != 0 {
		t.Errorf("user after channel delete: %v %+v", err, u)
	}
	if err := api.DeleteService(IS); err != nil {
		t.Fatal(err)
	}
	if _, err := api.FetchUser(IS, "alice"); !errors.As(err, &te) || te.Status != 404 {
		t.Errorf("user after service delete: %v", err)
	}
}

// TestRedisMQTTSendAndDeliver sends over MQTT on a Redis-backed node and
// checks the PUBACK and the delivery to another member on the same node.
func TestRedisMQTTSendAndDeliver(t *testing.T) {
	r := startRedisServer(t)
	f := mqttSetup(t, onRedis(r, freshRedisPrefix()))
	alice, bob := f.mustDial5(t, "alice"), f.mustDial5(t, "bob")
	bob.subscribe(t, f.topic("messages"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 3 {
		body := "hello " + strconv.Itoa(i)
		resp, err := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte(body)})
		if err != nil || resp.ReasonCode != 0 || resp.Properties.User.Get("parley-index") != strconv.Itoa(i) {
			t.Fatalf("publish %d: %v %+v", i, err, resp)
		}
		ev := mqttEvent(t, bob.next(t, f.topic("messages"), 3*time.Second).Payload)
		if ev.Type != "messageAdded" || ev.Index == nil || *ev.Index != int64(i) || ev.Message.Body != body ||
			ev.Message.From != "alice" {
			t.Fatalf("delivery %d: %+v", i, ev)
		}
	}
	ms, err := f.ts.Twilio.ChatV2.ListMessage(f.IS, f.CH, nil)
	if err != nil || len(ms) != 3 || *ms[2].Body != "hello 2" {
		t.Fatalf("REST list after MQTT sends: %v %d", err, len(ms))
	}
}

// TestRedisDownREST takes Redis away under a running node, first frozen
// (SIGSTOP: connections hang) then killed (SIGKILL: connections refused):
// REST answers 503 with Twilio code 20503 within a few seconds, and the
// same call answers 200 again once Redis is back on the same port (the
// durable profile keeps the data), without restarting the node.
func TestRedisDownREST(t *testing.T) {
	r := startRedisServer(t, "--appendonly", "yes", "--appendfsync", "always")
	ts := startTestServer(t, onRedis(r, freshRedisPrefix()))
	svc, err := ts.Twilio.ChatV2.CreateService(new(chat.CreateServiceParams).SetFriendlyName("outage"))
	if err != nil {
		t.Fatal(err)
	}
	path := "/v2/Services/" + *svc.Sid
	if st, _, _ := restStatus(t, ts.BaseURL, path); st != 200 {
		t.Fatalf("before the outage: %d", st)
	}
	want503 := func(how string, bound time.Duration) {
		t.Helper()
		for range 2 {
			st, code, took := restStatus(t, ts.BaseURL, path)
			if st != http.StatusServiceUnavailable || code != 20503 {
				t.Fatalf("Redis %s: %d code %d, want 503 code 20503", how, st, code)
			}
			if took > bound {
				t.Errorf("Redis %s: the 503 took %v, want under %v", how, took, bound)
			}
			t.Logf("Redis %s: 503 code 20503 in %v", how, took)
		}
	}
	want200 := func(how string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, _, _ := restStatus(t, ts.BaseURL, path)
			if st == 200 {
				return
			}
			if st != http.StatusServiceUnavailable || time.Now().After(deadline) {
				t.Fatalf("after Redis %s: %d, want 200", how, st)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	want503("frozen", 8*time.Second)
	if err := r.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	want200("thawed")
	r.stop()
	want503("killed", 3*time.Second)
	r.start(t)
	want200("restarted")
	if _, err := ts.Twilio.ChatV2.CreateChannel(*svc.Sid, new(chat.CreateChannelParams).SetUniqueName("after")); err != nil {
		t.Fatalf("write after the restart: %v", err)
	}
}

// TestRedisTwoNodes runs two nodes on one Redis: what one writes over REST
// the other reads, with the same indices.
func TestRedisTwoNodes(t *testing.T) {
	r := startRedisServer(t)
	prefix := freshRedisPrefix()
	a := startTestServer(t, onRedis(r, prefix))
	b := startTestServer(t, onRedis(r, prefix))
	svc, err := a.Twilio.ChatV2.CreateService(new(chat.CreateServiceParams).SetFriendlyName("shared"))
	if err != nil {
		t.Fatal(err)
	}
	IS := *svc.Sid
	ch, err := b.Twilio.ChatV2.CreateChannel(IS, new(chat.CreateChannelParams).SetUniqueName("room"))
	if err != nil {
		t.Fatalf("node B creates a channel in node A's service: %v", err)
	}
	nodes := []*testServer{a, b}
	for i := range 6 {
		n := nodes[i%2]
		m, err := n.Twilio.ChatV2.CreateMessage(IS, "room", new(chat.CreateMessageParams).SetBody("from "+strconv.Itoa(i)))
		if err != nil || m.Index != i {
			t.Fatalf("message %d on node %d: %v index %d", i, i%2, err, m.Index)
		}
	}
	for k, n := range nodes {
		ms, err := n.Twilio.ChatV2.ListMessage(IS, *ch.Sid, new(chat.ListMessageParams).SetPageSize(4))
		if err != nil || len(ms) != 6 {
			t.Fatalf("node %d lists: %v, %d messages", k, err, len(ms))
		}
		for i, m := range ms {
			if m.Index != i || *m.Body != "from "+strconv.Itoa(i) {
				t.Errorf("node %d message %d: index %d body %q", k, i, m.Index, *m.Body)
			}
		}
		c, err := n.Twilio.ChatV2.FetchChannel(IS, "room")
		if err != nil || c.MessagesCount != 6 {
			t.Errorf("node %d channel: %v %+v", k, err, c)
		}
	}
	// A key created on node A authenticates a token-free REST call on B:
	// the secret key is shared, so B decrypts what A stored.
	key, secret, err := a.srv.core.CreateKey(context.Background(), "shared key")
	if err != nil {
		t.Fatal(err)
	}
	kb := b.twilioClient(key.SID, secret)
	if _, err := kb.ChatV2.FetchService(IS); err != nil {
		t.Errorf("node B with node A's API key: %v", err)
	}
}

// TestRedisNeedsSecretKey checks that --redis without --secret-key is
// refused with a message naming the flag.
func TestRedisNeedsSecretKey(t *testing.T) {
	c := serveConfig{Listen: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "error", LogFormat: "text",
		MQTTListen: "127.0.0.1:0", Redis: "redis://127.0.0.1:1/0"}
	_, err := startServer(context.Background(), c, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--secret-key") {
		t.Fatalf("startServer with --redis and no secret key: %v", err)
	}
	c.SecretKey, c.Redis = testSecretKey, "http://127.0.0.1:1"
	if _, err := startServer(context.Background(), c, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--redis") {
		t.Fatalf("startServer with a bad --redis URL: %v", err)
	}
}
