package redis

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/store/storetest"
	goredis "github.com/redis/go-redis/v9"
)

// server is a redis-server process started for a test.
type server struct {
	addr string
	dir  string
	args []string
	cmd  *exec.Cmd
}

// startRedis starts redis-server on a free loopback port with its data in
// a temporary directory, waits until it answers PING and stops it at the
// end of the test. extra adds options (durability profiles). It skips the
// test when redis-server is not installed.
func startRedis(t testing.TB, extra ...string) *server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server; .ci/run installs it): skipping the Redis store tests")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	srv := &server{addr: "127.0.0.1:" + strconv.Itoa(port), dir: t.TempDir()}
	srv.args = append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--dir", srv.dir,
		"--daemonize", "no", "--logfile", ""}, extra...)
	if len(extra) == 0 {
		srv.args = append(srv.args, "--appendonly", "no")
	}
	srv.start(t, bin)
	t.Cleanup(srv.stop)
	return srv
}

func (srv *server) start(t testing.TB, bin string) {
	t.Helper()
	srv.cmd = exec.Command(bin, srv.args...)
	if err := srv.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(&goredis.Options{Addr: srv.addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			srv.stop()
			t.Fatalf("redis-server on %s did not answer PING: %v", srv.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server (SIGKILL: what a crash looks like) and reaps it.
func (srv *server) stop() {
	if srv.cmd == nil || srv.cmd.Process == nil {
		return
	}
	_ = srv.cmd.Process.Signal(syscall.SIGKILL)
	_ = srv.cmd.Wait()
	srv.cmd = nil
}

var prefixes atomic.Int64

// open opens a store on srv under prefix, closed at the end of the test.
func open(t testing.TB, srv *server, prefix string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, Options{Client: goredis.UniversalOptions{Addrs: []string{srv.addr}}, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func freshPrefix() string { return fmt.Sprintf("t%d:", prefixes.Add(1)) }

func TestConformance(t *testing.T) {
	srv := startRedis(t)
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) model.Store { return open(t, srv, freshPrefix()) },
		Reopen: func(t *testing.T, s model.Store) model.Store {
			rs := s.(*Store)
			if err := rs.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, srv, rs.Prefix())
		},
	})
}

// fixture creates a service and a channel.
func fixture(t testing.TB, s *Store) (svc, ch string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	svc, ch = model.NewSID(model.PrefixService), model.NewSID(model.PrefixChannel)
	if err := s.CreateService(ctx, &model.Service{SID: svc, DateCreated: now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateChannel(ctx, &model.Channel{SID: ch, ServiceSID: svc, Type: model.ChannelPublic, DateCreated: now, Epoch: "e1"}); err != nil {
		t.Fatal(err)
	}
	return svc, ch
}

func newMessage(svc, ch, body string) *model.Message {
	now := time.Now().UTC()
	return &model.Message{SID: model.NewSID(model.PrefixMessage), ServiceSID: svc, ChannelSID: ch, From: "test",
		Body: body, Attributes: "{}", Type: model.MessageText, DateCreated: now, DateUpdated: now}
}

// TestIdempotentResend plays what go-redis does when a reply is lost: the
// same script call, with the same arguments, runs twice. The second run
// must answer the first run's result and write nothing.
func TestIdempotentResend(t *testing.T) {
	srv := startRedis(t)
	s := open(t, srv, freshPrefix())
	ctx := context.Background()
	svc, ch := fixture(t, s)

	m := newMessage(svc, ch, "once")
	js, err := messageRecord(m)
	if err != nil {
		t.Fatal(err)
	}
	keys := s.chanKeys(ch, kChan, kMsgs, kMsgsZ, kMsgSID, kMsgCID)
	args := []any{svc, m.SID, "", js, m.DateCreated.Format(time.RFC3339Nano)}
	first, err := s.run(ctx, "msg_create", keys, args...)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.run(ctx, "msg_create", keys, args...)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(first) != fmt.Sprint(again) || fmt.Sprint(first) != "[created 0 1]" {
		t.Fatalf("msg_create twice: first %v, second %v; want [created 0 1] both times", first, again)
	}
	c, err := s.GetChannel(ctx, svc, ch)
	if err != nil {
		t.Fatal(err)
	}
	if c.MessagesCount != 1 || c.NextIndex != 1 || c.Seq != 1 {
		t.Fatalf("channel after a re-sent create: MessagesCount %d, NextIndex %d, Seq %d; want 1, 1, 1", c.MessagesCount, c.NextIndex, c.Seq)
	}
	// Through the API too: the same create again is the same message.
	stored, created, err := s.CreateMessage(ctx, m)
	if err != nil || !created || stored.Index != 0 || stored.Seq != 1 {
		t.Fatalf("CreateMessage of the stored message: %v, created %v, %+v", err, created, stored)
	}
	// The same SID with another payload is a conflict, not a replay.
	other := *m
	other.Body = "another"
	if _, _, err := s.CreateMessage(ctx, &other); model.KindOf(err) != model.KindConflict {
		t.Fatalf("CreateMessage of a taken SID with another payload: %v, want a conflict", err)
	}

	// An update re-sent with its idempotency key advances the seq once.
	rec, err := s.c.HGet(ctx, s.ck(ch, kMsgs), "0").Result()
	if err != nil {
		t.Fatal(err)
	}
	edited := *m
	edited.Body = "edited"
	ejs, _ := messageRecord(&edited)
	ukeys := []string{s.op(s.ck(ch, kChan)), s.ck(ch, kChan), s.ck(ch, kMsgs), s.ck(ch, kMsgSID)}
	uargs := []any{s.opTTL, svc, m.SID, rec, ejs}
	u1, err := s.run(ctx, "msg_update", ukeys, uargs...)
	if err != nil {
		t.Fatal(err)
	}
	u2, err := s.run(ctx, "msg_update", ukeys, uargs...)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(u1) != "[ok 2]" || fmt.Sprint(u2) != "[ok 2]" {
		t.Fatalf("msg_update twice: %v then %v, want [ok 2] both times", u1, u2)
	}
	// A delete re-sent answers the deleted message again, not "not found".
	dkeys := append([]string{s.op(s.ck(ch, kChan))}, s.chanKeys(ch, kChan, kMsgs, kMsgsZ, kMsgSID, kMsgCID)...)
	d1, err := s.run(ctx, "msg_delete", dkeys, s.opTTL, svc, m.SID)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := s.run(ctx, "msg_delete", dkeys, s.opTTL, svc, m.SID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(d1) != fmt.Sprint(d2) || strs(d1)[0] != "ok" || strs(d1)[2] != "3" {
		t.Fatalf("msg_delete twice: %v then %v", d1, d2)
	}
	if c, _ = s.GetChannel(ctx, svc, ch); c.Seq != 3 || c.MessagesCount != 0 {
		t.Fatalf("channel after re-sent update and delete: Seq %d, MessagesCount %d; want 3, 0", c.Seq, c.MessagesCount)
	}
	// A fresh key is a new operation: the delete now finds nothing.
	if _, err := s.DeleteMessage(ctx, svc, ch, m.SID); model.KindOf(err) != model.KindNotFound {
		t.Fatalf("DeleteMessage of the deleted message: %v", err)
	}
}

// TestRedisDown checks that calls fail with KindUnavailable while Redis is
// down, and work again once it is back, with the same store.
func TestRedisDown(t *testing.T) {
	srv := startRedis(t)
	s := open(t, srv, freshPrefix())
	ctx := context.Background()
	svc, ch := fixture(t, s)
	srv.stop()
	start := time.Now()
	_, _, err := s.CreateMessage(ctx, newMessage(svc, ch, "lost"))
	if model.KindOf(err) != model.KindUnavailable {
		t.Fatalf("CreateMessage with Redis down: %v (kind %s), want unavailable", err, model.KindOf(err))
	}
	if _, err := s.GetChannel(ctx, svc, ch); model.KindOf(err) != model.KindUnavailable {
		t.Fatalf("GetChannel with Redis down: %v, want unavailable", err)
	}
	t.Logf("failed calls with Redis down took %v", time.Since(start))
	bin, _ := exec.LookPath("redis-server")
	srv.start(t, bin) // no persistence in this profile: the data is gone
	if _, err := s.GetChannel(ctx, svc, ch); model.KindOf(err) != model.KindNotFound {
		t.Fatalf("GetChannel after the restart: %v, want not found (no persistence)", err)
	}
}

// TestDurableRestart runs the "acknowledged means stored" profile
// (appendonly yes, appendfsync always): messages acknowledged before a
// SIGKILL are all there after the restart, with their indices and seqs.
func TestDurableRestart(t *testing.T) {
	srv := startRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	s := open(t, srv, freshPrefix())
	ctx := context.Background()
	svc, ch := fixture(t, s)
	var acked []*model.Message
	for i := range 50 {
		m, _, err := s.CreateMessage(ctx, newMessage(svc, ch, strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, m)
	}
	srv.stop()
	bin, _ := exec.LookPath("redis-server")
	srv.start(t, bin)
	p, err := s.ListMessages(ctx, svc, ch, model.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != len(acked) {
		t.Fatalf("after kill -9 and restart: %d messages, want %d", len(p.Items), len(acked))
	}
	for i, m := range p.Items {
		if m.SID != acked[i].SID || m.Index != int64(i) || m.Seq != int64(i+1) {
			t.Fatalf("message %d after restart: %s #%d seq %d, want %s #%d seq %d", i, m.SID, m.Index, m.Seq, acked[i].SID, i, i+1)
		}
	}
}

// TestKeysUnderPrefix checks that every key the store writes starts with
// its prefix and carries a hash tag.
func TestKeysUnderPrefix(t *testing.T) {
	srv := startRedis(t)
	s := open(t, srv, "custom-prefix:")
	ctx := context.Background()
	svc, ch := fixture(t, s)
	if _, _, err := s.CreateMessage(ctx, newMessage(svc, ch, "x")); err != nil {
		t.Fatal(err)
	}
	keys, err := s.c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no keys written")
	}
	for _, k := range keys {
		want := []string{"custom-prefix:{g}:", "custom-prefix:{" + svc + "}:", "custom-prefix:{" + ch + "}:"}
		ok := false
		for _, w := range want {
			ok = ok || len(k) > len(w) && k[:len(w)] == w
		}
		if !ok {
			t.Fatalf("key %q is not under the prefix with a global, service or channel hash tag", k)
		}
	}
	if _, err := New(s.c, Options{Prefix: "bad{"}); err == nil {
		t.Fatal("New accepted a prefix with a brace")
	}
}
