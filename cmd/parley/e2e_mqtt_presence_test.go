package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	yaml "github.com/oasdiff/yaml3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	chat "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/wire"
)

// eventSchemas validates events captured from a running server against
// the payload schemas of docs/asyncapi.yaml.
type eventSchemas struct {
	c       *jsonschema.Compiler
	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema
}

func loadEventSchemas(t *testing.T) *eventSchemas {
	t.Helper()
	data, err := os.ReadFile("../../docs/asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var y any
	if err := yaml.Unmarshal(data, &y); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(y)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	if err := c.AddResource("file:///asyncapi.json", doc); err != nil {
		t.Fatal(err)
	}
	return &eventSchemas{c: c, schemas: map[string]*jsonschema.Schema{}}
}

// messageKey names the asyncapi message of an event type on a topic: the
// user topics' channel events are userChannelX.
func messageKey(topic, typ string) string {
	if strings.Contains(topic, "/users/") && strings.HasPrefix(typ, "channel") {
		return "user" + strings.ToUpper(typ[:1]) + typ[1:]
	}
	return typ
}

// validate checks one delivery's payload against its schema and returns
// the event.
func (s *eventSchemas) validate(t *testing.T, topic string, payload []byte) wire.Event {
	t.Helper()
	ev := mqttEvent(t, payload)
	key := messageKey(topic, ev.Type)
	s.mu.Lock()
	sch, ok := s.schemas[key]
	if !ok {
		var err error
		sch, err = s.c.Compile("file:///asyncapi.json#/components/messages/" + key + "/payload")
		if err != nil {
			s.mu.Unlock()
			t.Fatalf("schema of %s: %v", key, err)
		}
		s.schemas[key] = sch
	}
	s.mu.Unlock()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s on %s does not match docs/asyncapi.yaml %s: %v\n%s", ev.Type, topic, key, err, payload)
	}
	return ev
}

// rpc runs one RPC command and returns the reply's raw result.
func (m *mqttV5) rpc(t *testing.T, f *mqttFixture, command string, args any) json.RawMessage {
	t.Helper()
	us := m.connack.Properties.User.Get("parley-user-sid")
	replies := "chat/" + f.IS + "/users/" + us + "/rpc"
	body, _ := json.Marshal(args)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	corr := command + time.Now().String()
	if _, err := m.c.Publish(ctx, &paho.Publish{Topic: "chat/" + f.IS + "/rpc/" + command, QoS: 1, Payload: body,
		Properties: &paho.PublishProperties{ResponseTopic: replies, CorrelationData: []byte(corr)}}); err != nil {
		t.Fatalf("rpc %s: %v", command, err)
	}
	for {
		p := m.next(t, replies, 3*time.Second)
		if p.Properties == nil || string(p.Properties.CorrelationData) != corr {
			continue
		}
		var reply struct {
			OK     bool            `json:"ok"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(p.Payload, &reply); err != nil || !reply.OK {
			t.Fatalf("rpc %s: %s", command, p.Payload)
		}
		return reply.Result
	}
}

// quiet fails if a delivery on topic arrives within d.
func (m *mqttV5) quiet(t *testing.T, topic string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case p := <-m.msgs:
			if p.Topic == topic {
				t.Errorf("unexpected delivery on %s: %s", topic, p.Payload)
				return
			}
		case <-deadline:
			return
		}
	}
}

// reach returns is_online and is_notifiable of a REST user fetch, as raw
// JSON ("null", "true", "false").
func reach(t *testing.T, ts *testServer, path string) (string, string) {
	t.Helper()
	st, b := ts.do(http.MethodGet, path, nil)
	if st != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, st, b)
	}
	var u struct {
		IsOnline     json.RawMessage `json:"is_online"`
		IsNotifiable json.RawMessage `json:"is_notifiable"`
	}
	if err := json.Unmarshal(b, &u); err != nil {
		t.Fatal(err)
	}
	return string(u.IsOnline), string(u.IsNotifiable)
}

func onlineOf(t *testing.T, ev wire.Event) string {
	t.Helper()
	if ev.User == nil {
		t.Fatalf("event without user: %+v", ev)
	}
	if ev.User.IsOnline == nil {
		return "null"
	}
	if *ev.User.IsOnline {
		return "true"
	}
	return "false"
}

// Reachability over MQTT and REST: null while the service disables it;
// once enabled, the first connection of a user emits userUpdated with
// is_online true to whoever follows the user, the last disconnect emits
// false, a second connection emits nothing, and the REST fetch and the
// getUser RPC report the state (lists stay null).
func TestMQTTReachability(t *testing.T) {
	f := mqttSetup(t)
	api := f.ts.Twilio.ChatV2
	schemas := loadEventSchemas(t)
	au, err := api.FetchUser(f.IS, "alice")
	if err != nil {
		t.Fatal(err)
	}
	aliceSID := *au.Sid
	userPath := "/v2/Services/" + f.IS + "/Users/" + aliceSID
	if on, nt := reach(t, f.ts, userPath); on != "null" || nt != "null" {
		t.Errorf("reachability disabled: is_online %s is_notifiable %s", on, nt)
	}
	if _, err := api.UpdateService(f.IS, new(chat.UpdateServiceParams).SetReachabilityEnabled(true)); err != nil {
		t.Fatal(err)
	}
	if on, nt := reach(t, f.ts, userPath); on != "false" || nt != "false" {
		t.Errorf("offline: is_online %s is_notifiable %s", on, nt)
	}

	// carol (no channel in common) follows alice; she may not read
	// alice's inbox nor every user's updates.
	carol := f.mustDial5(t, "carol")
	updates := "chat/" + f.IS + "/users/" + aliceSID + "/updates"
	if r := carol.subscribe(t, updates, "chat/"+f.IS+"/users/"+aliceSID+"/events", "chat/"+f.IS+"/users/+/updates",
		"chat/"+f.IS+"/users/me/rpc"); !bytes.Equal(r, []byte{0, 0x87, 0x87, 0}) {
		t.Fatalf("SUBACK %x, want 00 87 87 00", r)
	}

	alice1, err := f.dial5(t, "alice-1", "", f.token(t, "alice", time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ev := schemas.validate(t, updates, carol.next(t, updates, 3*time.Second).Payload)
	if ev.Type != "userUpdated" || ev.User.SID != aliceSID || onlineOf(t, ev) != "true" || ev.Actor != "" {
		t.Errorf("online event %+v", ev)
	}
	if on, _ := reach(t, f.ts, userPath); on != "true" {
		t.Errorf("REST is_online %s while connected", on)
	}
	st, b := f.ts.do(http.MethodGet, "/v2/Services/"+f.IS+"/Users", nil)
	if st != http.StatusOK || bytes.Contains(b, []byte(`"is_online":true`)) || bytes.Contains(b, []byte(`"is_online":false`)) {
		t.Errorf("user list must keep is_online null: %d %s", st, b)
	}
	var got wire.User
	if err := json.Unmarshal(carol.rpc(t, f, "getUser", map[string]string{"identity": "alice"}), &got); err != nil ||
		got.IsOnline == nil || !*got.IsOnline || got.IsNotifiable == nil || *got.IsNotifiable {
		t.Errorf("getUser alice: %+v %v", got, err)
	}

	// A second connection changes nothing; closing one of two neither.
	alice2, err := f.dial5(t, "alice-2", "", f.token(t, "alice", time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	carol.quiet(t, updates, 300*time.Millisecond)
	_ = alice1.c.Disconnect(&paho.Disconnect{})
	carol.quiet(t, updates, 300*time.Millisecond)
	if on, _ := reach(t, f.ts, userPath); on != "true" {
		t.Errorf("REST is_online %s with one connection left", on)
	}

	// Profile updates reach both the follower and alice's own inbox, with
	// the reachability.
	alice2.subscribe(t, "chat/"+f.IS+"/users/me/events")
	inbox := "chat/" + f.IS + "/users/" + aliceSID + "/events"
	if _, err := api.UpdateUser(f.IS, aliceSID, new(chat.UpdateUserParams).SetFriendlyName("Alice")); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		c     *mqttV5
		topic string
	}{{carol, updates}, {alice2, inbox}} {
		ev := schemas.validate(t, m.topic, m.c.next(t, m.topic, 3*time.Second).Payload)
		if ev.Type != "userUpdated" || ev.User.FriendlyName == nil || *ev.User.FriendlyName != "Alice" || onlineOf(t, ev) != "true" {
			t.Errorf("profile update on %s: %+v", m.topic, ev)
		}
	}

	// The last disconnect: offline.
	_ = alice2.c.Disconnect(&paho.Disconnect{})
	ev = schemas.validate(t, updates, carol.next(t, updates, 3*time.Second).Payload)
	if ev.Type != "userUpdated" || onlineOf(t, ev) != "false" {
		t.Errorf("offline event %+v", ev)
	}
	if on, _ := reach(t, f.ts, userPath); on != "false" {
		t.Errorf("REST is_online %s after the last disconnect", on)
	}

	// Disabled again: connections emit nothing and REST says null.
	if _, err := api.UpdateService(f.IS, new(chat.UpdateServiceParams).SetReachabilityEnabled(false)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.dial5(t, "alice-3", "", f.token(t, "alice", time.Hour)); err != nil {
		t.Fatal(err)
	}
	carol.quiet(t, updates, 400*time.Millisecond)
	if on, nt := reach(t, f.ts, userPath); on != "null" || nt != "null" {
		t.Errorf("disabled again: is_online %s is_notifiable %s", on, nt)
	}
}

// Every event a client sees, on channel and user topics, matches
// docs/asyncapi.yaml; public channels created by REST or RPC reach every
// connected user as channelAdded (private ones do not); channelJoined,
// channelLeft and channelInvited carry the channel; memberJoined on the
// channel topic carries no channel.
func TestMQTTEventPayloads(t *testing.T) {
	f := mqttSetup(t)
	api := f.ts.Twilio.ChatV2
	schemas := loadEventSchemas(t)
	alice := f.mustDial5(t, "alice")
	bob := f.mustDial5(t, "bob")
	aliceSID := alice.connack.Properties.User.Get("parley-user-sid")
	inbox := "chat/" + f.IS + "/users/" + aliceSID + "/events"
	alice.subscribe(t, "chat/"+f.IS+"/users/me/events", f.topic("messages"), f.topic("events"))
	bob.subscribe(t, "chat/"+f.IS+"/users/me/rpc")
	seen := map[string]bool{}
	next := func(topic string) wire.Event {
		t.Helper()
		ev := schemas.validate(t, topic, alice.next(t, topic, 3*time.Second).Payload)
		seen[messageKey(topic, ev.Type)] = true
		return ev
	}

	// Channel creation: private first (nothing), then public by REST and
	// by RPC.
	if _, err := api.CreateChannel(f.IS, new(chat.CreateChannelParams).SetUniqueName("secret").SetType("private")); err != nil {
		t.Fatal(err)
	}
	lobby, err := api.CreateChannel(f.IS, new(chat.CreateChannelParams).SetUniqueName("lobby"))
	if err != nil {
		t.Fatal(err)
	}
	ev := next(inbox)
	if ev.Type != "channelAdded" || ev.Channel == nil || ev.Channel.SID != *lobby.Sid || ev.Channel.Type != "public" || ev.Seq != 0 {
		t.Fatalf("first inbox event (the private channel must not show): %+v", ev)
	}
	var made wire.Channel
	if err := json.Unmarshal(bob.rpc(t, f, "createChannel", map[string]string{"unique_name": "bobs"}), &made); err != nil {
		t.Fatal(err)
	}
	if ev := next(inbox); ev.Type != "channelAdded" || ev.Channel.SID != made.SID || ev.Actor != "bob" {
		t.Errorf("channelAdded of an RPC create: %+v", ev)
	}

	// Joined, invited, left: with the channel.
	if _, err := api.CreateMember(f.IS, *lobby.Sid, new(chat.CreateMemberParams).SetIdentity("alice")); err != nil {
		t.Fatal(err)
	}
	ev = next(inbox)
	if ev.Type != "channelJoined" || ev.Channel == nil || ev.Channel.SID != *lobby.Sid || ev.Channel.MembersCount != 1 ||
		ev.Member == nil || ev.Member.Identity != "alice" {
		t.Errorf("channelJoined %+v", ev)
	}
	if _, err := api.CreateInvite(f.IS, "secret", new(chat.CreateInviteParams).SetIdentity("alice")); err != nil {
		t.Fatal(err)
	}
	if ev := next(inbox); ev.Type != "channelInvited" || ev.Channel == nil || ev.Channel.UniqueName == nil ||
		*ev.Channel.UniqueName != "secret" || ev.Invite == nil {
		t.Errorf("channelInvited %+v", ev)
	}
	if err := api.DeleteMember(f.IS, *lobby.Sid, "alice", nil); err != nil {
		t.Fatal(err)
	}
	ev = next(inbox)
	if ev.Type != "channelLeft" || ev.Channel == nil || ev.Channel.SID != *lobby.Sid || ev.Channel.MembersCount != 0 ||
		ev.Member == nil || ev.Member.Identity != "alice" {
		t.Errorf("channelLeft %+v", ev)
	}

	// The room's own stream: members, messages, channel, typing.
	if _, err := api.CreateMember(f.IS, f.CH, new(chat.CreateMemberParams).SetIdentity("carol")); err != nil {
		t.Fatal(err)
	}
	if ev := next(f.topic("events")); ev.Type != "memberJoined" || ev.Channel != nil || ev.Member == nil {
		t.Errorf("memberJoined on the channel topic %+v", ev)
	}
	if _, err := api.UpdateMember(f.IS, f.CH, "carol", new(chat.UpdateMemberParams).SetAttributes(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if ev := next(f.topic("events")); ev.Type != "memberUpdated" {
		t.Errorf("memberUpdated %+v", ev)
	}
	if err := api.DeleteMember(f.IS, f.CH, "carol", nil); err != nil {
		t.Fatal(err)
	}
	if ev := next(f.topic("events")); ev.Type != "memberLeft" || ev.Channel != nil || ev.Member == nil {
		t.Errorf("memberLeft on the channel topic %+v", ev)
	}
	msg, err := api.CreateMessage(f.IS, f.CH, new(chat.CreateMessageParams).SetBody("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(f.topic("messages")); ev.Type != "messageAdded" || ev.Index == nil {
		t.Errorf("messageAdded %+v", ev)
	}
	if _, err := api.UpdateMessage(f.IS, f.CH, *msg.Sid, new(chat.UpdateMessageParams).SetBody("hi!")); err != nil {
		t.Fatal(err)
	}
	if ev := next(f.topic("events")); ev.Type != "messageUpdated" {
		t.Errorf("messageUpdated %+v", ev)
	}
	if err := api.DeleteMessage(f.IS, f.CH, *msg.Sid, nil); err != nil {
		t.Fatal(err)
	}
	if ev := next(f.topic("events")); ev.Type != "messageRemoved" {
		t.Errorf("messageRemoved %+v", ev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := bob.c.Publish(ctx, &paho.Publish{Topic: f.topic("typing"), QoS: 1}); err != nil {
		t.Fatal(err)
	}
	if ev := next(f.topic("events")); ev.Type != "typingStarted" || ev.Identity != "bob" {
		t.Errorf("typingStarted %+v", ev)
	}
	if _, err := api.UpdateChannel(f.IS, f.CH, new(chat.UpdateChannelParams).SetFriendlyName("renamed")); err != nil {
		t.Fatal(err)
	}
	// channelUpdated on the channel topic and in the inbox of a member;
	// typingEnded may come in between.
	for _, topic := range []string{f.topic("events"), inbox} {
		for {
			ev := next(topic)
			if ev.Type == "typingEnded" {
				continue
			}
			if ev.Type != "channelUpdated" || ev.Channel == nil || ev.Channel.FriendlyName == nil || *ev.Channel.FriendlyName != "renamed" {
				t.Errorf("channelUpdated on %s: %+v", topic, ev)
			}
			break
		}
	}
	if err := api.DeleteChannel(f.IS, f.CH, nil); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{f.topic("events"), inbox} {
		for {
			ev := next(topic)
			if ev.Type == "typingEnded" {
				continue
			}
			if ev.Type != "channelRemoved" || ev.Channel == nil || ev.Channel.SID != f.CH {
				t.Errorf("channelRemoved on %s: %+v", topic, ev)
			}
			break
		}
	}
	for _, k := range []string{"userChannelAdded", "userChannelJoined", "userChannelInvited", "userChannelLeft",
		"userChannelUpdated", "userChannelRemoved", "memberJoined", "memberUpdated", "memberLeft", "messageAdded",
		"messageUpdated", "messageRemoved", "typingStarted", "channelUpdated", "channelRemoved"} {
		if !seen[k] {
			t.Errorf("no %s validated", k)
		}
	}
}

// A subscriber that stops reading loses deliveries (a gap), and once it has
// been losing them for the stall timeout it is disconnected, so that it
// reconnects and catches up; a healthy subscriber gets everything.
func TestMQTTStalledSubscriberDisconnected(t *testing.T) {
	const stallTimeout = 300 * time.Millisecond
	f := mqttSetup(t, func(c *serveConfig) { c.MQTTStallTimeout = stallTimeout })
	healthy := f.mustDial5(t, "bob")
	healthy.subscribe(t, f.topic("messages"))

	// The stalled client: CONNECT, SUBSCRIBE, then never reads again, with
	// a small receive buffer so that the server's queue fills quickly.
	conn := mqttRawConnect5(t, f.ts.MQTTAddr, "stalled", f.token(t, "alice", time.Hour))
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	topic := f.topic("messages")
	body := []byte{0, 1, 0} // packet id 1, no properties
	body = append(body, byte(len(topic)>>8), byte(len(topic)))
	body = append(append(body, topic...), 0)
	if _, err := conn.Write(append([]byte{0x82, byte(len(body))}, body...)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !f.mqttSubscribed("stalled") {
		if time.Now().After(deadline) {
			t.Fatal("the stalled client did not subscribe")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cl, ok := f.ts.srv.broker.Server.Clients.Get("stalled")
	if !ok {
		t.Fatal("no stalled client")
	}

	// The healthy subscriber reads everything as it comes.
	var hmu sync.Mutex
	var indices []int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case p := <-healthy.msgs:
				var ev wire.Event
				if json.Unmarshal(p.Payload, &ev) == nil && ev.Index != nil {
					hmu.Lock()
					indices = append(indices, *ev.Index)
					hmu.Unlock()
				}
			case <-stop:
				return
			}
		}
	}()

	// Large messages until the server gives up on the stalled client.
	big := strings.Repeat("x", 32<<10)
	start := time.Now()
	sent := 0
	for !cl.Closed() {
		if time.Since(start) > 15*time.Second {
			t.Fatalf("the stalled client is still connected after %d messages", sent)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.ts.srv.core.CreateMessage(context.Background(), core.API(false), f.IS, f.CH,
					core.MessageCreate{Body: &big}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		sent += 8
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	if took < stallTimeout {
		t.Errorf("disconnected after %v, before the stall timeout %v", took, stallTimeout)
	}
	dropped := atomic.LoadInt64(&f.ts.srv.broker.Server.Info.MessagesDropped)
	t.Logf("stalled client disconnected after %v and %d messages; %d deliveries dropped", took, sent, dropped)
	if dropped == 0 {
		t.Error("nothing was dropped: the client did not stall")
	}
	// The healthy subscriber got every message (sent 8 at a time, so in
	// index order only up to the publisher's reorder hold).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		hmu.Lock()
		n := len(indices)
		hmu.Unlock()
		if n >= sent || time.Now().After(deadline) {
			break
		}
	}
	close(stop)
	<-done
	if len(indices) != sent {
		t.Errorf("healthy subscriber got %d of %d messages", len(indices), sent)
	}
	slices.Sort(indices)
	for i, idx := range indices {
		if idx != int64(i) {
			t.Fatalf("healthy subscriber: index %d missing or repeated (sorted position %d)", i, idx)
		}
	}
	// The client ID is free to reconnect.
	if _, err := f.dial5(t, "stalled", "", f.token(t, "alice", time.Hour)); err != nil {
		t.Errorf("reconnect after the stall disconnect: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mochi logs refused publishes at ERROR with the packet: the logs show the
// packet's summary but never its payload, nor a CONNECT's token.
func TestMQTTLogsCarryNoPayload(t *testing.T) {
	logs := &syncBuffer{}
	cfg := serveConfig{Listen: "127.0.0.1:0", DataDir: t.TempDir(), AccountSID: testAccountSID,
		AuthToken: testAuthToken, LogLevel: "debug", LogFormat: "text", MaxBody: 1 << 20, MQTTListen: "127.0.0.1:0"}
	srv, err := startServer(context.Background(), cfg, &bytes.Buffer{}, logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	ctx := context.Background()
	svc, err := srv.core.CreateService(ctx, core.API(false), core.ServiceCreate{FriendlyName: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := srv.core.CreateChannel(ctx, core.API(false), svc.SID, core.ChannelCreate{UniqueName: "room"})
	if err != nil {
		t.Fatal(err)
	}
	key, secret, err := srv.core.CreateKey(ctx, "logs")
	if err != nil {
		t.Fatal(err)
	}
	f := &mqttFixture{ts: &testServer{t: t, srv: srv, MQTTAddr: srv.MQTTAddr()}, IS: svc.SID, CH: ch.SID,
		keySID: key.SID, keySecret: secret}
	tok := f.token(t, "mallory", time.Hour)
	m, err := f.dial5(t, "mallory", "", tok)
	if err != nil {
		t.Fatal(err)
	}
	// Not a member: the publish is refused (0x87), which mochi logs at
	// ERROR with the packet.
	const secretBody = "the-secret-body-7f3a"
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r, err := m.c.Publish(pctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte(secretBody)})
	if err == nil && (r == nil || r.ReasonCode != 0x87) {
		t.Fatalf("refused publish: %+v", r)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(logs.String(), "publish packet error") {
		if time.Now().After(deadline) {
			t.Fatalf("mochi did not log the refused publish; logs:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	for _, secret := range []string{secretBody, tok} {
		// mochi's packets print []byte fields in decimal (text) or
		// base64 (JSON).
		for _, form := range []string{secret, fmt.Sprint([]byte(secret)), base64.StdEncoding.EncodeToString([]byte(secret))} {
			if strings.Contains(out, form) {
				t.Errorf("a payload or token reached the logs as %q:\n%s", form, out)
			}
		}
	}
	if !strings.Contains(out, "bytes="+strconv.Itoa(len(secretBody))) {
		t.Errorf("the refused packet's summary is missing:\n%s", out)
	}
}
