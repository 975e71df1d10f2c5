package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	chat "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/parleychat/parley/sdk"
)

// sdkClient connects an SDK client for identity to the fixture's server
// with a token living ttl; cfg adjusts the configuration.
func (f *mqttFixture) sdkClient(t *testing.T, identity string, ttl time.Duration, cfg ...func(*sdk.Config)) *sdk.Client {
	t.Helper()
	c := sdk.Config{URL: "mqtt://" + f.ts.MQTTAddr, Token: f.token(t, identity, ttl), RequestTimeout: 5 * time.Second,
		ReconnectBackoff: func(n int) time.Duration { return time.Duration(min(n, 5)) * 100 * time.Millisecond }}
	for _, o := range cfg {
		o(&c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := sdk.New(ctx, c)
	if err != nil {
		t.Fatalf("sdk.New(%s): %v", identity, err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// nextEvent returns the next event of one of the types (others skipped)
// within d.
func nextEvent(t *testing.T, c *sdk.Client, d time.Duration, types ...sdk.EventType) sdk.Event {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("%s: events closed while waiting for %v", c.Identity(), types)
			}
			for _, ty := range types {
				if ev.Type == ty {
					return ev
				}
			}
		case <-deadline:
			t.Fatalf("%s: no %v within %v", c.Identity(), types, d)
		}
	}
}

// testCtx is a context bounded for one test step.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSDKTwoClientsChat(t *testing.T) {
	f := mqttSetup(t)
	alice := f.sdkClient(t, "alice", time.Hour)
	bob := f.sdkClient(t, "bob", time.Hour)
	if alice.Identity() != "alice" || alice.ServiceSID() != f.IS || alice.UserSID() == "" || alice.State() != sdk.StateConnected {
		t.Fatalf("alice: identity %q service %q user %q state %s", alice.Identity(), alice.ServiceSID(), alice.UserSID(), alice.State())
	}
	ctx := testCtx(t)
	const n = 30
	for i := range n {
		from := alice
		if i%3 == 2 {
			from = bob
		}
		r, err := from.SendMessage(ctx, "room", sdk.NewMessage{Body: fmt.Sprint("m", i)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Index != int64(i) || r.SID == "" {
			t.Fatalf("send %d: %+v", i, r)
		}
	}
	for _, c := range []*sdk.Client{alice, bob} {
		for i := range n {
			ev := nextEvent(t, c, 5*time.Second, sdk.MessageAdded)
			if ev.Index == nil || *ev.Index != int64(i) || ev.Message.Body != fmt.Sprint("m", i) || ev.ChannelSID != f.CH {
				t.Fatalf("%s: event %d: %+v", c.Identity(), i, ev)
			}
		}
	}
}

// kickSDK closes the server side of an SDK client's connection.
func (f *mqttFixture) kickSDK(t *testing.T, c *sdk.Client) {
	t.Helper()
	cl, ok := f.ts.srv.broker.Server.Clients.Get(c.ClientID())
	if !ok {
		t.Fatalf("no server connection for %s", c.ClientID())
	}
	cl.Stop(errors.New("test: connection closed by the server"))
}

func TestSDKReconnectCatchUp(t *testing.T) {
	f := mqttSetup(t)
	alice := f.sdkClient(t, "alice", time.Hour)
	// A constant backoff, the first attempt included, so that messages are
	// surely sent while bob is away.
	bob := f.sdkClient(t, "bob", time.Hour, func(c *sdk.Config) {
		c.ReconnectBackoff = func(int) time.Duration { return 300 * time.Millisecond }
	})
	ctx := testCtx(t)
	const n, kickAt = 150, 40
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			if i == kickAt {
				f.kickSDK(t, bob)
			}
			if _, err := alice.SendMessage(ctx, f.CH, sdk.NewMessage{Body: fmt.Sprint("m", i)}); err != nil {
				sent <- err
				return
			}
			time.Sleep(3 * time.Millisecond)
		}
		sent <- nil
	}()
	var states []sdk.State
	caughtUp := 0
	next := int64(0)
	deadline := time.After(15 * time.Second)
	for next < n {
		select {
		case ev := <-bob.Events():
			switch ev.Type {
			case sdk.ConnectionStateChanged:
				states = append(states, ev.State)
			case sdk.MessageAdded:
				if ev.Index == nil || *ev.Index != next || ev.Message.Body != fmt.Sprint("m", next) {
					t.Fatalf("after %d: got %+v (a gap or a duplicate)", next-1, ev)
				}
				if ev.CatchUp {
					caughtUp++
				}
				next++
			}
		case <-deadline:
			t.Fatalf("bob received %d of %d messages; states %v", next, n, states)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if caughtUp == 0 {
		t.Errorf("no message came by catch-up although bob was away 300 ms")
	}
	if i := slices.Index(states, sdk.StateDisconnected); i < 0 || !slices.Contains(states[i:], sdk.StateConnected) {
		t.Errorf("states %v, want disconnected then connected", states)
	}
	// Nothing more: no duplicate after the last one.
	select {
	case ev := <-bob.Events():
		if ev.Type == sdk.MessageAdded {
			t.Errorf("extra delivery %+v", ev)
		}
	case <-time.After(300 * time.Millisecond):
	}
	// The handlers given at construction survived the reconnection
	// (paho.golang #326): live delivery and RPC still work.
	r, err := alice.SendMessage(ctx, "room", sdk.NewMessage{Body: "after"})
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, bob, 3*time.Second, sdk.MessageAdded); *ev.Index != r.Index || ev.CatchUp {
		t.Errorf("live delivery after reconnect: %+v", ev)
	}
	if u, err := bob.GetUser(ctx, ""); err != nil || u.Identity != "bob" {
		t.Errorf("RPC after reconnect: %v %+v", err, u)
	}
	t.Logf("%d of %d messages came by catch-up", caughtUp, n)
}

func TestSDKTokenRefresh(t *testing.T) {
	f := mqttSetup(t, func(c *serveConfig) { c.TokenWarning = 3 * time.Second })
	var asked atomic.Int32
	start := time.Now()
	alice := f.sdkClient(t, "alice", 4*time.Second, func(c *sdk.Config) {
		c.TokenProvider = func(context.Context) (string, error) {
			asked.Add(1)
			return f.token(t, "alice", time.Hour), nil
		}
	})
	ev := nextEvent(t, alice, 5*time.Second, sdk.TokenAboutToExpire, sdk.TokenUpdated, sdk.TokenExpired)
	if ev.Type != sdk.TokenAboutToExpire {
		t.Fatalf("first token event %+v, want tokenAboutToExpire", ev)
	}
	ev = nextEvent(t, alice, 5*time.Second, sdk.TokenUpdated, sdk.TokenRefreshFailed, sdk.TokenExpired)
	if ev.Type != sdk.TokenUpdated {
		t.Fatalf("after the warning: %+v", ev)
	}
	if exp, err := time.Parse(time.RFC3339, ev.Expires); err != nil || time.Until(exp) < 50*time.Minute {
		t.Errorf("new expiry %q", ev.Expires)
	}
	time.Sleep(time.Until(start.Add(5 * time.Second))) // past the first token's expiry
	if alice.State() != sdk.StateConnected {
		t.Fatalf("state %s after refresh", alice.State())
	}
	select {
	case ev := <-alice.Events():
		if ev.Type == sdk.ConnectionStateChanged || ev.Type == sdk.TokenExpired {
			t.Fatalf("the session did not survive the refresh: %+v", ev)
		}
	default:
	}
	if _, err := alice.SendMessage(testCtx(t), "room", sdk.NewMessage{Body: "still here"}); err != nil {
		t.Fatal(err)
	}
	if asked.Load() != 1 {
		t.Errorf("provider asked %d times, want 1", asked.Load())
	}
}

func TestSDKTokenExpired(t *testing.T) {
	f := mqttSetup(t, func(c *serveConfig) { c.TokenWarning = time.Second })
	start := time.Now()
	alice := f.sdkClient(t, "alice", 3*time.Second)
	ev := nextEvent(t, alice, 6*time.Second, sdk.TokenExpired)
	if el := time.Since(start); el < 2*time.Second || ev.Err == nil {
		t.Errorf("tokenExpired after %v: %+v", el, ev)
	}
	ev = nextEvent(t, alice, 3*time.Second, sdk.ConnectionStateChanged)
	if ev.State != sdk.StateDenied {
		t.Errorf("state event %+v, want denied", ev)
	}
	if _, err := alice.GetUser(testCtx(t), ""); err == nil {
		t.Error("a request succeeded after the token expired")
	}
	// A refused token fails New at once.
	_, err := sdk.New(testCtx(t), sdk.Config{URL: "mqtt://" + f.ts.MQTTAddr, Token: "not-a-token"})
	if err == nil || !strings.Contains(err.Error(), "0x86") {
		t.Errorf("New with a bad token: %v", err)
	}
}

// TestSDKConcurrentRequests is the defect of paho.golang's rpc extension
// (replies arriving before Request waits are dropped): the SDK's own
// correlation answers every one of many concurrent requests.
func TestSDKConcurrentRequests(t *testing.T) {
	f := mqttSetup(t)
	alice := f.sdkClient(t, "alice", time.Hour)
	ctx := testCtx(t)
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() {
			who := []string{"alice", "bob"}[i%2]
			u, err := alice.GetUser(ctx, who)
			if err == nil && u.Identity != who {
				err = fmt.Errorf("asked %s, got %s", who, u.Identity)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestSDKRequestProblemInfo shows paho.golang's default (Request Problem
// Information 0 as soon as a CONNECT property is set) losing the PUBACK's
// parley-index, and the SDK, which sets it to 1, getting it.
func TestSDKRequestProblemInfo(t *testing.T) {
	f := mqttSetup(t)
	conn, err := net.DialTimeout("tcp", f.ts.MQTTAddr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn, PacketTimeout: 5 * time.Second})
	ctx := testCtx(t)
	sei := uint32(60)
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: "rpi0", KeepAlive: 30, CleanStart: true, PasswordFlag: true,
		Password:   []byte(f.token(t, "alice", time.Hour)),
		Properties: &paho.ConnectProperties{SessionExpiryInterval: &sei}}); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(&paho.Disconnect{})
	r, err := c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Properties != nil && r.Properties.User.Get("parley-index") != "" {
		t.Errorf("with Request Problem Information 0 the index came anyway; the workaround may be obsolete")
	}
	alice := f.sdkClient(t, "alice", time.Hour)
	res, err := alice.SendMessage(ctx, f.CH, sdk.NewMessage{Body: "y"})
	if err != nil || res.Index != 1 || res.SID == "" {
		t.Errorf("SDK send: %+v %v", res, err)
	}
}

// ok returns v, failing the test given to the returned function on err:
// ok(c.GetUser(ctx, "bob"))(t).
func ok[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// noErr fails the test on err.
func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSDKMethods(t *testing.T) {
	f := mqttSetup(t)
	if _, err := f.ts.Twilio.ChatV2.UpdateService(f.IS, new(chat.UpdateServiceParams).SetTypingIndicatorTimeout(1).
		SetReadStatusEnabled(true)); err != nil {
		t.Fatal(err)
	}
	alice := f.sdkClient(t, "alice", time.Hour)
	bob := f.sdkClient(t, "bob", time.Hour)
	carol := f.sdkClient(t, "carol", time.Hour)
	ctx := testCtx(t)

	s := ok(alice.Session(ctx))(t)
	if s.Identity != "alice" || s.ServiceSID != f.IS || s.UserSID != alice.UserSID() || s.User == nil {
		t.Errorf("session %+v", s)
	}

	// Public channels, paged.
	for i := range 3 {
		ok(alice.CreateChannel(ctx, sdk.ChannelOptions{FriendlyName: fmt.Sprint("pub", i), UniqueName: fmt.Sprint("pub", i)}))(t)
	}
	p1 := ok(carol.PublicChannelDescriptors(ctx, sdk.PageOptions{Size: 2}))(t)
	if len(p1.Items) != 2 || p1.NextToken == "" {
		t.Fatalf("first page %+v", p1)
	}
	p2 := ok(carol.PublicChannelDescriptors(ctx, sdk.PageOptions{Size: 2, Token: p1.NextToken}))(t)
	if len(p2.Items) != 2 || p2.NextToken != "" || p2.Items[0].SID == p1.Items[0].SID {
		t.Fatalf("second page %+v", p2)
	}
	mine := ok(alice.UserChannelDescriptors(ctx, sdk.PageOptions{}))(t)
	if len(mine.Items) != 1 || mine.Items[0].SID != f.CH || mine.Items[0].Status != "joined" {
		t.Errorf("alice's channels %+v", mine.Items)
	}
	byName := ok(bob.GetChannel(ctx, "room"))(t)
	bySID := ok(bob.GetChannel(ctx, f.CH))(t)
	if byName.SID != f.CH || bySID.UniqueName == nil || *bySID.UniqueName != "room" || bySID.Status != "joined" {
		t.Errorf("getChannel %+v / %+v", byName, bySID)
	}

	// A private channel: invisible to others, invite, decline, accept.
	priv := ok(alice.CreateChannel(ctx, sdk.ChannelOptions{UniqueName: "secret", Type: sdk.Private, Attributes: `{"k":1}`}))(t)
	if priv.Type != "private" || priv.Attributes != `{"k":1}` {
		t.Errorf("created %+v", priv)
	}
	if _, err := carol.GetChannel(ctx, "secret"); sdk.ErrorCode(err) != 20404 {
		t.Errorf("carol sees the private channel: %v", err)
	}
	ok(alice.Join(ctx, "secret"))(t)
	if ev := nextEvent(t, alice, 3*time.Second, sdk.ChannelJoined); ev.ChannelSID != priv.SID || !ev.Inbox {
		t.Errorf("alice's channelJoined %+v", ev)
	}
	ok(alice.InviteMember(ctx, "secret", "bob"))(t)
	if ev := nextEvent(t, bob, 3*time.Second, sdk.ChannelInvited); ev.ChannelSID != priv.SID || ev.Invite == nil {
		t.Errorf("bob's invite %+v", ev)
	}
	if err := bob.Decline(ctx, "secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.GetChannel(ctx, "secret"); sdk.ErrorCode(err) != 20404 {
		t.Errorf("declined channel still visible: %v", err)
	}
	ok(alice.InviteMember(ctx, "secret", "bob"))(t)
	if m := ok(bob.Join(ctx, "secret"))(t); m.Identity != "bob" {
		t.Errorf("accept %+v", m)
	}
	if ev := nextEvent(t, alice, 3*time.Second, sdk.MemberJoined); ev.Member.Identity != "bob" || ev.Seq == 0 {
		t.Errorf("memberJoined %+v", ev)
	}
	nextEvent(t, bob, 3*time.Second, sdk.ChannelJoined)
	ok(alice.AddMember(ctx, "secret", "carol"))(t)
	nextEvent(t, carol, 3*time.Second, sdk.ChannelJoined)
	members := ok(alice.GetMembers(ctx, "secret", sdk.PageOptions{Size: 10}))(t)
	if len(members.Items) != 3 {
		t.Errorf("members %+v", members.Items)
	}
	if err := alice.RemoveMember(ctx, "secret", "carol"); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, carol, 3*time.Second, sdk.ChannelLeft); ev.ChannelSID != priv.SID {
		t.Errorf("carol %+v", ev)
	}

	// Messages: send, page, edit, delete; bob sees the events in order.
	for i := range 5 {
		r := ok(alice.SendMessage(ctx, "secret", sdk.NewMessage{Body: fmt.Sprint("s", i), Attributes: `{"n":1}`}))(t)
		if r.Index != int64(i) {
			t.Fatalf("index %d", r.Index)
		}
	}
	// The same client message id twice stores one message.
	r1 := ok(alice.SendMessage(ctx, "secret", sdk.NewMessage{Body: "once", ClientMessageID: "cmid-1"}))(t)
	r2 := ok(alice.SendMessage(ctx, "secret", sdk.NewMessage{Body: "once", ClientMessageID: "cmid-1"}))(t)
	if r1 != r2 || r1.Index != 5 {
		t.Errorf("idempotent send: %+v %+v", r1, r2)
	}
	last := ok(bob.GetMessages(ctx, "secret", 2, nil, sdk.Backwards))(t)
	if len(last) != 2 || last[0].Index != 4 || last[1].Index != 5 || last[1].Body != "once" {
		t.Errorf("last two %+v", last)
	}
	two := int64(2)
	fwd := ok(bob.GetMessages(ctx, "secret", 2, &two, sdk.Forward))(t)
	if len(fwd) != 2 || fwd[0].Index != 2 || fwd[1].Index != 3 || fwd[0].Attributes != `{"n":1}` {
		t.Errorf("forward from 2 %+v", fwd)
	}
	body := "edited"
	if m := ok(alice.EditMessage(ctx, "secret", 1, sdk.MessageUpdate{Body: &body}))(t); m.Body != "edited" || !m.WasEdited {
		t.Errorf("edit %+v", m)
	}
	if err := alice.DeleteMessage(ctx, "secret", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.EditMessage(ctx, "secret", 2, sdk.MessageUpdate{Body: &body}); sdk.ErrorCode(err) == 0 {
		t.Errorf("bob edited alice's message: %v", err)
	}
	var seqs []int64
	for _, want := range []sdk.EventType{sdk.MessageAdded, sdk.MessageAdded, sdk.MessageAdded, sdk.MessageAdded,
		sdk.MessageAdded, sdk.MessageAdded, sdk.MessageUpdated, sdk.MessageRemoved} {
		ev := nextEvent(t, bob, 3*time.Second, sdk.MessageAdded, sdk.MessageUpdated, sdk.MessageRemoved)
		if ev.Type != want || ev.ChannelSID != priv.SID {
			t.Fatalf("bob: %s, want %s", ev.Type, want)
		}
		seqs = append(seqs, ev.Seq)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Errorf("seqs not consecutive: %v", seqs)
		}
	}

	// Typing: two calls in a row send one signal; it ends by itself.
	noErr(t, alice.Typing(ctx, "secret"))
	noErr(t, alice.Typing(ctx, "secret"))
	if ev := nextEvent(t, bob, 3*time.Second, sdk.TypingStarted); ev.Identity != "alice" || ev.Timeout != 1 {
		t.Errorf("typingStarted %+v", ev)
	}
	if ev := nextEvent(t, bob, 3*time.Second, sdk.TypingStarted, sdk.TypingEnded); ev.Type != sdk.TypingEnded {
		t.Errorf("a second typing signal went out: %+v", ev)
	}

	// Read horizon: 6 messages (index 1..5; 0 deleted).
	four := int64(4)
	if n := ok(bob.UpdateReadHorizon(ctx, "secret", &four))(t); n != 1 {
		t.Errorf("unread after 4: %d", n)
	}
	if n := ok(bob.AdvanceReadHorizon(ctx, "secret", 2))(t); n != 1 {
		t.Errorf("advance backwards changed it: %d", n)
	}
	if n := ok(bob.SetAllMessagesRead(ctx, "secret"))(t); n != 0 {
		t.Errorf("all read: %d", n)
	}
	if n := ok(bob.SetNoMessagesRead(ctx, "secret"))(t); n != 5 {
		t.Errorf("none read: %d", n)
	}
	if n := ok(bob.UpdateReadHorizon(ctx, "secret", nil))(t); n != 5 {
		t.Errorf("horizon nil: %d", n)
	}
	ok(bob.SetNotificationLevel(ctx, "secret", sdk.NotificationMuted))(t)
	if d := ok(bob.GetChannel(ctx, "secret"))(t); d.NotificationLevel != "muted" {
		t.Errorf("notification level %q", d.NotificationLevel)
	}

	// Users.
	name := "Bob B."
	if u := ok(bob.UpdateUser(ctx, sdk.UserUpdate{FriendlyName: &name}))(t); u.FriendlyName == nil || *u.FriendlyName != name {
		t.Errorf("updateUser %+v", u)
	}
	if u := ok(alice.GetUser(ctx, "bob"))(t); u.FriendlyName == nil || *u.FriendlyName != name {
		t.Errorf("getUser %+v", u)
	}
	if ev := nextEvent(t, bob, 3*time.Second, sdk.UserUpdated); ev.User == nil || ev.User.Identity != "bob" {
		t.Errorf("userUpdated %+v", ev)
	}

	// Channel update, leave, destroy.
	fn := "Secret room"
	ok(alice.UpdateChannel(ctx, "secret", sdk.ChannelUpdate{FriendlyName: &fn}))(t)
	if ev := nextEvent(t, bob, 3*time.Second, sdk.ChannelUpdated); ev.Channel == nil || *ev.Channel.FriendlyName != fn {
		t.Errorf("channelUpdated %+v", ev)
	}
	noErr(t, bob.Leave(ctx, "secret"))
	if ev := nextEvent(t, bob, 3*time.Second, sdk.ChannelLeft); ev.ChannelSID != priv.SID {
		t.Errorf("channelLeft %+v", ev)
	}
	// alice saw carol leave (removed) then bob.
	for _, who := range []string{"carol", "bob"} {
		if ev := nextEvent(t, alice, 3*time.Second, sdk.MemberLeft); ev.Member.Identity != who {
			t.Errorf("memberLeft %s, want %s", ev.Member.Identity, who)
		}
	}
	noErr(t, alice.Destroy(ctx, "secret"))
	if ev := nextEvent(t, alice, 3*time.Second, sdk.ChannelRemoved); ev.ChannelSID != priv.SID {
		t.Errorf("channelRemoved %+v", ev)
	}
	if _, err := alice.GetChannel(ctx, "secret"); sdk.ErrorCode(err) != 20404 {
		t.Errorf("destroyed channel: %v", err)
	}
	// A refused send carries Twilio's code from the PUBACK.
	if _, err := carol.SendMessage(ctx, f.CH, sdk.NewMessage{Body: "not a member"}); sdk.ErrorCode(err) == 0 {
		t.Errorf("carol sent to room: %v", err)
	}
}

// TestSDKWebSocket connects over ws://host/mqtt, the REST port's MQTT
// endpoint, and chats with a TCP client.
func TestSDKWebSocket(t *testing.T) {
	f := mqttSetup(t)
	ws := f.sdkClient(t, "alice", time.Hour, func(c *sdk.Config) {
		c.URL = "ws://" + strings.TrimPrefix(f.ts.BaseURL, "http://") + "/mqtt"
	})
	bob := f.sdkClient(t, "bob", time.Hour)
	ctx := testCtx(t)
	r := ok(ws.SendMessage(ctx, "room", sdk.NewMessage{Body: "over websocket"}))(t)
	if ev := nextEvent(t, bob, 3*time.Second, sdk.MessageAdded); *ev.Index != r.Index || ev.Message.Body != "over websocket" {
		t.Errorf("bob got %+v", ev)
	}
	ok(bob.SendMessage(ctx, "room", sdk.NewMessage{Body: "back"}))(t)
	for {
		if ev := nextEvent(t, ws, 3*time.Second, sdk.MessageAdded); ev.Message.From == "bob" {
			break
		}
	}
	if _, err := sdk.New(ctx, sdk.Config{URL: "http://x", Token: "t"}); err == nil {
		t.Error("an http:// URL was accepted")
	}
}
