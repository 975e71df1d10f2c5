package main

import (
	"bufio"
	"bytes"
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
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	mqtt3 "github.com/eclipse/paho.mqtt.golang"
	chat "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/parleychat/parley/token"
	"github.com/parleychat/parley/wire"
)

// mqttFixture is a service with a public channel whose members are alice
// and bob, an API key to mint tokens, and a non-member carol.
type mqttFixture struct {
	ts        *testServer
	IS, CH    string
	keySID    string
	keySecret string
}

func mqttSetup(t *testing.T, opts ...func(*serveConfig)) *mqttFixture {
	t.Helper()
	ts := startTestServer(t, opts...)
	api := ts.Twilio.ChatV2
	svc, err := api.CreateService(new(chat.CreateServiceParams).SetFriendlyName("mqtt"))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := api.CreateChannel(*svc.Sid, new(chat.CreateChannelParams).SetFriendlyName("room").SetUniqueName("room"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"alice", "bob"} {
		if _, err := api.CreateMember(*svc.Sid, *ch.Sid, new(chat.CreateMemberParams).SetIdentity(id)); err != nil {
			t.Fatal(err)
		}
	}
	key, secret, err := ts.srv.core.CreateKey(context.Background(), "mqtt tests")
	if err != nil {
		t.Fatal(err)
	}
	return &mqttFixture{ts: ts, IS: *svc.Sid, CH: *ch.Sid, keySID: key.SID, keySecret: secret}
}

// token mints an access token for identity living ttl.
func (f *mqttFixture) token(t *testing.T, identity string, ttl time.Duration) string {
	t.Helper()
	tok, err := token.Mint(token.Params{AccountSID: testAccountSID, KeySID: f.keySID, Secret: f.keySecret,
		Identity: identity, Chat: token.ChatGrant{ServiceSID: f.IS}, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *mqttFixture) topic(leaf string) string {
	return "chat/" + f.IS + "/channels/" + f.CH + "/" + leaf
}

// mqttV5 is a paho.golang (MQTT 5) connection recording what it receives.
type mqttV5 struct {
	c       *paho.Client
	connack *paho.Connack
	msgs    chan *paho.Publish
	disc    chan *paho.Disconnect
}

// dial5 connects with paho.golang; the error is the refusal, with the
// CONNACK when one came.
// mustDial5 connects identity over MQTT 5 with a fresh one-hour token, the
// identity as client ID and no username, failing the test if it cannot.
func (f *mqttFixture) mustDial5(t *testing.T, identity string) *mqttV5 {
	t.Helper()
	c, err := f.dial5(t, identity, "", f.token(t, identity, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *mqttFixture) dial5(t *testing.T, clientID, username, password string) (*mqttV5, error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", f.ts.MQTTAddr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := &mqttV5{msgs: make(chan *paho.Publish, 100), disc: make(chan *paho.Disconnect, 1)}
	m.c = paho.NewClient(paho.ClientConfig{Conn: conn, PacketTimeout: 5 * time.Second,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			m.msgs <- pr.Packet
			return true, nil
		}},
		OnServerDisconnect: func(d *paho.Disconnect) { m.disc <- d },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cp := &paho.Connect{ClientID: clientID, KeepAlive: 30, CleanStart: true,
		Properties: &paho.ConnectProperties{RequestProblemInfo: true}} // notes #1: false strips user properties
	if username != "" {
		cp.Username, cp.UsernameFlag = username, true
	}
	if password != "" {
		cp.Password, cp.PasswordFlag = []byte(password), true
	}
	m.connack, err = m.c.Connect(ctx, cp)
	if err != nil {
		conn.Close()
		return m, err
	}
	t.Cleanup(func() { _ = m.c.Disconnect(&paho.Disconnect{}) })
	return m, nil
}

func (m *mqttV5) subscribe(t *testing.T, filters ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := &paho.Subscribe{}
	for _, f := range filters {
		s.Subscriptions = append(s.Subscriptions, paho.SubscribeOptions{Topic: f, QoS: 1})
	}
	sa, err := m.c.Subscribe(ctx, s)
	if sa == nil {
		t.Fatalf("subscribe %v: %v", filters, err)
	}
	return sa.Reasons
}

// next returns the next delivery on topic within d, skipping others.
func (m *mqttV5) next(t *testing.T, topic string, d time.Duration) *paho.Publish {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case p := <-m.msgs:
			if p.Topic == topic {
				return p
			}
		case <-deadline:
			t.Fatalf("no delivery on %s within %v", topic, d)
			return nil
		}
	}
}

func mqttEvent(t *testing.T, payload []byte) wire.Event {
	t.Helper()
	var ev wire.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("event is not JSON: %v: %s", err, payload)
	}
	return ev
}

func TestMQTTConnect(t *testing.T) {
	f := mqttSetup(t)
	m, err := f.dial5(t, "alice-1", "alice", f.token(t, "alice", time.Hour))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if m.connack.ReasonCode != 0 {
		t.Fatalf("CONNACK %#x", m.connack.ReasonCode)
	}
	u := m.connack.Properties.User
	if u.Get("parley-identity") != "alice" || u.Get("parley-service-sid") != f.IS ||
		!strings.HasPrefix(u.Get("parley-user-sid"), "US") {
		t.Errorf("CONNACK user properties %v", u)
	}
	if ka := m.connack.Properties.ServerKeepAlive; ka != nil && *ka > 60 {
		t.Errorf("server keepalive %d over 60", *ka)
	}

	expired, err := token.Mint(token.Params{AccountSID: testAccountSID, KeySID: f.keySID, Secret: f.keySecret,
		Identity: "alice", Chat: token.ChatGrant{ServiceSID: f.IS}, TTL: time.Minute, Now: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	good := f.token(t, "alice", time.Hour)
	bad := good[:len(good)-4] + "AAAA"
	for _, c := range []struct {
		name, user, pass string
		code             byte
	}{
		{"no token", "alice", "", 0x86},
		{"bad signature", "", bad, 0x86},
		{"garbage", "", "not-a-token", 0x86},
		{"username is not the identity", "bob", good, 0x86},
		{"expired", "", expired, 0xA0},
	} {
		m, err := f.dial5(t, "x-"+strings.ReplaceAll(c.name, " ", "-"), c.user, c.pass)
		if err == nil {
			t.Errorf("%s: connected", c.name)
			continue
		}
		if m.connack == nil || m.connack.ReasonCode != c.code {
			t.Errorf("%s: want CONNACK %#x, got %+v (%v)", c.name, c.code, m.connack, err)
		}
	}

	// MQTT 3.1.1 (paho.mqtt.golang): a bad token is refused, a good one works.
	for _, c := range []struct {
		pass string
		ok   bool
	}{{bad, false}, {good, true}} {
		opts := mqtt3.NewClientOptions().AddBroker("tcp://" + f.ts.MQTTAddr).SetClientID("v3-" + strconv.FormatBool(c.ok)).
			SetUsername("alice").SetPassword(c.pass).SetProtocolVersion(4).SetAutoReconnect(false).
			SetConnectTimeout(5 * time.Second)
		cl := mqtt3.NewClient(opts)
		tk := cl.Connect()
		if !tk.WaitTimeout(5 * time.Second) {
			t.Fatal("v3 connect timed out")
		}
		if (tk.Error() == nil) != c.ok {
			t.Errorf("v3 connect with ok=%v token: %v", c.ok, tk.Error())
		}
		if c.ok {
			cl.Disconnect(100)
		}
	}
}

func TestMQTTSendAndDeliver(t *testing.T) {
	f := mqttSetup(t)
	alice := f.mustDial5(t, "alice")
	bob, err := f.dial5(t, "bob", "bob", f.token(t, "bob", time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r := bob.subscribe(t, f.topic("messages"), f.topic("events")); !bytes.Equal(r, []byte{0, 0}) {
		t.Fatalf("SUBACK %v", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("hello")})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if resp.ReasonCode != 0 || resp.Properties.User.Get("parley-index") != "0" ||
		!strings.HasPrefix(resp.Properties.User.Get("parley-message-sid"), "IM") {
		t.Fatalf("PUBACK %#x %+v", resp.ReasonCode, resp.Properties)
	}
	p := bob.next(t, f.topic("messages"), 3*time.Second)
	ev := mqttEvent(t, p.Payload)
	if ev.Type != "messageAdded" || ev.ChannelSID != f.CH || ev.Seq < 1 || ev.Epoch == "" || ev.Index == nil ||
		*ev.Index != 0 || ev.Message == nil || ev.Message.Body != "hello" || ev.Message.From != "alice" ||
		ev.Message.SID != resp.Properties.User.Get("parley-message-sid") || ev.Actor != "alice" {
		t.Fatalf("delivery %s", p.Payload)
	}
	firstSeq := ev.Seq

	// JSON send with a client message id: a retry gets the same index and
	// is not delivered twice.
	js := []byte(`{"body":"hi json","attributes":"{\"k\":1}","client_message_id":"c-1"}`)
	var idx []string
	for range 2 {
		r, err := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: js,
			Properties: &paho.PublishProperties{ContentType: "application/json"}})
		if err != nil || r.ReasonCode != 0 {
			t.Fatalf("JSON publish: %v %+v", err, r)
		}
		idx = append(idx, r.Properties.User.Get("parley-index"))
	}
	if idx[0] != "1" || idx[1] != "1" {
		t.Errorf("idempotent send indices %v", idx)
	}
	ev = mqttEvent(t, bob.next(t, f.topic("messages"), 3*time.Second).Payload)
	if ev.Message.Body != "hi json" || ev.Message.Attributes != `{"k":1}` || ev.Seq != firstSeq+1 {
		t.Errorf("JSON delivery %+v", ev)
	}

	// A REST-created message reaches MQTT subscribers the same way.
	if _, err := f.ts.Twilio.ChatV2.CreateMessage(f.IS, f.CH, new(chat.CreateMessageParams).SetBody("from rest")); err != nil {
		t.Fatal(err)
	}
	ev = mqttEvent(t, bob.next(t, f.topic("messages"), 3*time.Second).Payload)
	if ev.Type != "messageAdded" || ev.Message.Body != "from rest" || *ev.Index != 2 || ev.Seq != firstSeq+2 ||
		ev.Message.From != "system" {
		t.Errorf("REST delivery %+v", ev)
	}
	select {
	case p := <-bob.msgs:
		t.Errorf("unexpected extra delivery %s %s", p.Topic, p.Payload)
	case <-time.After(200 * time.Millisecond):
	}

	// Denials: bad JSON is 0x99, a non-member's send 0x87.
	r, _ := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("{"),
		Properties: &paho.PublishProperties{ContentType: "application/json"}})
	if r == nil || r.ReasonCode != 0x99 {
		t.Errorf("bad JSON: %+v", r)
	}
	carol := f.mustDial5(t, "carol")
	r, _ = carol.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("intruder")})
	if r == nil || r.ReasonCode != 0x87 || r.Properties.ReasonString == "" {
		t.Errorf("non-member send: %+v", r)
	}
}

func TestMQTTSubscribeACL(t *testing.T) {
	f := mqttSetup(t)
	api := f.ts.Twilio.ChatV2
	other, err := api.CreateChannel(f.IS, new(chat.CreateChannelParams).SetFriendlyName("other"))
	if err != nil {
		t.Fatal(err)
	}
	carol := f.mustDial5(t, "carol")
	alice := f.mustDial5(t, "alice")
	aliceSID := alice.connack.Properties.User.Get("parley-user-sid")
	carolSID := carol.connack.Properties.User.Get("parley-user-sid")
	for _, c := range []struct {
		who    *mqttV5
		filter string
		ok     bool
	}{
		{carol, f.topic("messages"), false},
		{carol, f.topic("+"), false},
		{alice, f.topic("messages"), true},
		{alice, f.topic("+"), true},
		{alice, "chat/" + f.IS + "/channels/" + *other.Sid + "/messages", false},
		{alice, "chat/" + f.IS + "/channels/+/messages", false},
		{alice, "chat/" + f.IS + "/#", false},
		{alice, "#", false},
		{alice, "$SYS/#", false},
		{alice, "$share/g/" + f.topic("messages"), false},
		{alice, "chat/" + f.IS + "/users/me/events", true},
		{alice, "chat/" + f.IS + "/users/" + aliceSID + "/#", true},
		{alice, "chat/" + f.IS + "/users/" + carolSID + "/events", false},
		{alice, "chat/" + f.IS + "/users/+/events", false},
	} {
		r := c.who.subscribe(t, c.filter)
		if got := len(r) == 1 && r[0] < 0x80; got != c.ok || (!c.ok && r[0] != 0x87) {
			t.Errorf("subscribe %s: SUBACK %v, want allowed=%v", c.filter, r, c.ok)
		}
	}

	// MQTT 3.1.1: a refused filter is 0x80.
	opts := mqtt3.NewClientOptions().AddBroker("tcp://" + f.ts.MQTTAddr).SetClientID("carol-v3").SetUsername("carol").
		SetPassword(f.token(t, "carol", time.Hour)).SetProtocolVersion(4).SetAutoReconnect(false)
	cl := mqtt3.NewClient(opts)
	if tk := cl.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("v3 connect: %v", tk.Error())
	}
	defer cl.Disconnect(100)
	st := cl.Subscribe(f.topic("messages"), 0, nil)
	if !st.WaitTimeout(5 * time.Second) {
		t.Fatal("v3 subscribe timed out")
	}
	if rc := st.(*mqtt3.SubscribeToken).Result()[f.topic("messages")]; rc != 0x80 {
		t.Errorf("v3 non-member SUBACK %#x, want 0x80", rc)
	}
}

func TestMQTTClientIDTakeover(t *testing.T) {
	f := mqttSetup(t)
	alice, err := f.dial5(t, "phone-1", "", f.token(t, "alice", time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.dial5(t, "phone-1", "", f.token(t, "bob", time.Hour))
	if err == nil || m.connack == nil || m.connack.ReasonCode != 0x85 {
		t.Fatalf("takeover by bob: %v %+v", err, m.connack)
	}
	// The owner keeps its session.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("still here")})
	if err != nil || r.ReasonCode != 0 {
		t.Fatalf("owner publish after takeover attempt: %v %+v", err, r)
	}
}

func TestMQTTMosquittoClients(t *testing.T) {
	sub, err := exec.LookPath("mosquitto_sub")
	if err != nil {
		t.Skip("mosquitto_sub not installed (apt-get install mosquitto-clients)")
	}
	pub, err := exec.LookPath("mosquitto_pub")
	if err != nil {
		t.Skip("mosquitto_pub not installed (apt-get install mosquitto-clients)")
	}
	f := mqttSetup(t)
	host, port, _ := net.SplitHostPort(f.ts.MQTTAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sub, "-h", host, "-p", port, "-V", "mqttv311", "-i", "mosq-bob",
		"-u", "bob", "-P", f.token(t, "bob", time.Hour), "-t", f.topic("messages"), "-C", "2", "-W", "10")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the subscription is in place, then send once by REST and
	// once with mosquitto_pub.
	deadline := time.Now().Add(5 * time.Second)
	for !f.mqttSubscribed("mosq-bob") {
		if time.Now().After(deadline) {
			t.Fatalf("mosquitto_sub never subscribed: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := f.ts.Twilio.ChatV2.CreateMessage(f.IS, f.CH, new(chat.CreateMessageParams).SetBody("to mosquitto")); err != nil {
		t.Fatal(err)
	}
	p := exec.CommandContext(ctx, pub, "-h", host, "-p", port, "-V", "mqttv311", "-u", "alice",
		"-P", f.token(t, "alice", time.Hour), "-t", f.topic("messages"), "-q", "1", "-m", "from mosquitto_pub")
	if b, err := p.CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_pub: %v %s", err, b)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mosquitto_sub: %v %s", err, stderr.String())
	}
	sc := bufio.NewScanner(&out)
	var bodies []string
	for sc.Scan() {
		ev := mqttEvent(t, sc.Bytes())
		if ev.Type != "messageAdded" || ev.Message == nil {
			t.Fatalf("mosquitto_sub got %s", sc.Text())
		}
		bodies = append(bodies, ev.Message.From+":"+ev.Message.Body)
	}
	if strings.Join(bodies, "|") != "system:to mosquitto|alice:from mosquitto_pub" {
		t.Errorf("mosquitto_sub received %v", bodies)
	}
}

// mqttSubscribed reports whether the client has a subscription.
func (f *mqttFixture) mqttSubscribed(clientID string) bool {
	cl, ok := f.ts.srv.broker.Server.Clients.Get(clientID)
	return ok && len(cl.State.Subscriptions.GetAll()) > 0
}

func TestMQTTTyping(t *testing.T) {
	f := mqttSetup(t)
	if _, err := f.ts.Twilio.ChatV2.UpdateService(f.IS, new(chat.UpdateServiceParams).SetTypingIndicatorTimeout(1)); err != nil {
		t.Fatal(err)
	}
	alice := f.mustDial5(t, "alice")
	bob := f.mustDial5(t, "bob")
	bob.subscribe(t, f.topic("events"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if r, err := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("typing"), QoS: 1}); err != nil || r.ReasonCode != 0 {
		t.Fatalf("typing publish: %v %+v", err, r)
	}
	ev := mqttEvent(t, bob.next(t, f.topic("events"), 3*time.Second).Payload)
	if ev.Type != "typingStarted" || ev.Identity != "alice" || ev.Timeout != 1 || ev.Seq != 0 {
		t.Fatalf("typingStarted %+v", ev)
	}
	ev = mqttEvent(t, bob.next(t, f.topic("events"), 4*time.Second).Payload)
	if ev.Type != "typingEnded" || ev.Identity != "alice" {
		t.Fatalf("typingEnded %+v", ev)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("typingEnded after %v, want about the 1 s timeout", d)
	}
}

func TestMQTTTokenExpiry(t *testing.T) {
	f := mqttSetup(t, func(c *serveConfig) { c.TokenWarning = 2 * time.Second })
	start := time.Now()
	alice, err := f.dial5(t, "alice", "", f.token(t, "alice", 4*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	alice.subscribe(t, "chat/"+f.IS+"/users/me/events")
	us := alice.connack.Properties.User.Get("parley-user-sid")
	ev := mqttEvent(t, alice.next(t, "chat/"+f.IS+"/users/"+us+"/events", 4*time.Second).Payload)
	if ev.Type != "tokenAboutToExpire" || ev.Expires == "" {
		t.Fatalf("warning %+v", ev)
	}
	select {
	case d := <-alice.disc:
		if d.ReasonCode != 0xA0 {
			t.Errorf("DISCONNECT %#x, want 0xA0", d.ReasonCode)
		}
		if el := time.Since(start); el < 2*time.Second || el > 6*time.Second {
			t.Errorf("disconnected after %v for a 4 s token", el)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("no DISCONNECT at token expiry")
	}
}

func TestMQTTConnectTimeout(t *testing.T) {
	f := mqttSetup(t, func(c *serveConfig) { c.MQTTConnectTimeout = 500 * time.Millisecond })
	var idle []net.Conn
	for range 20 {
		c, err := net.Dial("tcp", f.ts.MQTTAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	// A legitimate client still connects at once.
	t0 := time.Now()
	if _, err := f.dial5(t, "alice", "", f.token(t, "alice", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("connect took %v with idle sockets open", d)
	}
	for i, c := range idle {
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err := c.Read(make([]byte, 1))
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("idle socket %d still open after 3 s", i)
		}
		if !errors.Is(err, io.EOF) && err == nil {
			t.Fatalf("idle socket %d: read %v", i, err)
		}
	}
}

// mqttRawConnect5 sends an MQTT 5 CONNECT with a token as password over a
// raw socket and checks the CONNACK.
func mqttRawConnect5(t *testing.T, addr, clientID, password string) net.Conn {
	t.Helper()
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	var body []byte
	body = append(body, str("MQTT")...)
	body = append(body, 5, 0xC2, 0, 30, 0) // v5, username+password+clean start, keepalive 30, no properties
	body = append(body, str(clientID)...)
	body = append(body, str("alice")...)
	body = append(body, str(password)...)
	pkt := []byte{0x10}
	for n := len(body); ; {
		b := byte(n % 128)
		n /= 128
		if n > 0 {
			b |= 0x80
		}
		pkt = append(pkt, b)
		if n == 0 {
			break
		}
	}
	pkt = append(pkt, body...)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(pkt); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	hdr := make([]byte, 4)
	if _, err := io.ReadFull(c, hdr); err != nil || hdr[0] != 0x20 || hdr[3] != 0 {
		t.Fatalf("CONNACK %x %v", hdr, err)
	}
	return c
}

func TestMQTTMalformedSubscribe(t *testing.T) {
	f := mqttSetup(t)
	// reliability-plan §0.1: SUBSCRIBE with filter "p" and no options byte
	// panics mochi v2.7.9's decoder.
	for i, crasher := range [][]byte{
		{0x82, 0x06, 0x12, 0x34, 0x00, 0x00, 0x01, 0x70},
		{0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01},
	} {
		id := fmt.Sprint("crasher-", i)
		c := mqttRawConnect5(t, f.ts.MQTTAddr, id, f.token(t, "alice", time.Hour))
		if _, err := c.Write(crasher); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("vector %d: connection not closed", i)
			}
		}
		c.Close()
		// Only that connection is gone: no stale session, and the server
		// still serves.
		time.Sleep(50 * time.Millisecond)
		if _, ok := f.ts.srv.broker.Server.Clients.Get(id); ok {
			t.Errorf("vector %d: client %s left registered", i, id)
		}
		if _, err := f.dial5(t, fmt.Sprint("after-", i), "", f.token(t, "alice", time.Hour)); err != nil {
			t.Fatalf("vector %d: server no longer accepts clients: %v", i, err)
		}
	}
}

func TestMQTTRPC(t *testing.T) {
	f := mqttSetup(t)
	alice := f.mustDial5(t, "alice")
	us := alice.connack.Properties.User.Get("parley-user-sid")
	replies := "chat/" + f.IS + "/users/" + us + "/rpc"
	alice.subscribe(t, "chat/"+f.IS+"/users/me/rpc")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := alice.c.Publish(ctx, &paho.Publish{Topic: "chat/" + f.IS + "/rpc/session", QoS: 1, Payload: []byte("{}"),
		Properties: &paho.PublishProperties{ResponseTopic: replies, CorrelationData: []byte("c-1")}})
	if err != nil || r.ReasonCode != 0 {
		t.Fatalf("rpc publish: %v %+v", err, r)
	}
	p := alice.next(t, replies, 3*time.Second)
	var reply struct {
		OK     bool `json:"ok"`
		Result struct {
			Identity   string `json:"identity"`
			UserSID    string `json:"user_sid"`
			ServiceSID string `json:"service_sid"`
		} `json:"result"`
	}
	if err := json.Unmarshal(p.Payload, &reply); err != nil || !reply.OK || reply.Result.Identity != "alice" ||
		reply.Result.UserSID != us || reply.Result.ServiceSID != f.IS {
		t.Fatalf("session reply %s (%v)", p.Payload, err)
	}
	if p.Properties == nil || string(p.Properties.CorrelationData) != "c-1" {
		t.Errorf("reply correlation data %+v", p.Properties)
	}
	// A response topic outside the user's subtree is refused.
	r, _ = alice.c.Publish(ctx, &paho.Publish{Topic: "chat/" + f.IS + "/rpc/session", QoS: 1,
		Properties: &paho.PublishProperties{ResponseTopic: "chat/" + f.IS + "/channels/" + f.CH + "/messages"}})
	if r == nil || r.ReasonCode != 0x90 {
		t.Errorf("foreign response topic: %+v", r)
	}
	// Typing over RPC also ends by itself (the hook's timer).
	bob := f.mustDial5(t, "bob")
	bob.subscribe(t, f.topic("events"))
	if _, err := alice.c.Publish(ctx, &paho.Publish{Topic: "chat/" + f.IS + "/rpc/typing", QoS: 1,
		Payload: []byte(`{"channel":"room"}`), Properties: &paho.PublishProperties{ResponseTopic: replies}}); err != nil {
		t.Fatal(err)
	}
	if ev := mqttEvent(t, bob.next(t, f.topic("events"), 3*time.Second).Payload); ev.Type != "typingStarted" {
		t.Fatalf("after typing RPC: %+v", ev)
	}
	if ev := mqttEvent(t, bob.next(t, f.topic("events"), 8*time.Second).Payload); ev.Type != "typingEnded" {
		t.Fatalf("after typing RPC: %+v", ev)
	}

	// MQTT 3.1.1: id in the envelope, reply on the default topic.
	got := make(chan []byte, 1)
	opts := mqtt3.NewClientOptions().AddBroker("tcp://" + f.ts.MQTTAddr).SetClientID("alice-v3").
		SetUsername("alice").SetPassword(f.token(t, "alice", time.Hour)).SetProtocolVersion(4).SetAutoReconnect(false)
	cl := mqtt3.NewClient(opts)
	if tk := cl.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("v3 connect: %v", tk.Error())
	}
	defer cl.Disconnect(100)
	st := cl.Subscribe(replies, 0, func(_ mqtt3.Client, m mqtt3.Message) { got <- m.Payload() })
	if !st.WaitTimeout(5*time.Second) || st.Error() != nil {
		t.Fatal(st.Error())
	}
	if pt := cl.Publish("chat/"+f.IS+"/rpc/session", 1, false, `{"id":"r-7"}`); !pt.WaitTimeout(5*time.Second) || pt.Error() != nil {
		t.Fatal(pt.Error())
	}
	select {
	case b := <-got:
		if !bytes.Contains(b, []byte(`"id":"r-7"`)) || !bytes.Contains(b, []byte(`"ok":true`)) {
			t.Errorf("v3 reply %s", b)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no v3 RPC reply")
	}
}

func TestMQTTTokenRefresh(t *testing.T) {
	f := mqttSetup(t, func(c *serveConfig) { c.TokenWarning = time.Second })
	alice, err := f.dial5(t, "alice", "", f.token(t, "alice", 3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	us := alice.connack.Properties.User.Get("parley-user-sid")
	replies := "chat/" + f.IS + "/users/" + us + "/rpc"
	alice.subscribe(t, replies)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	payload, _ := json.Marshal(map[string]string{"token": f.token(t, "alice", time.Hour)})
	if _, err := alice.c.Publish(ctx, &paho.Publish{Topic: "chat/" + f.IS + "/rpc/updateToken", QoS: 1, Payload: payload,
		Properties: &paho.PublishProperties{ResponseTopic: replies}}); err != nil {
		t.Fatal(err)
	}
	if p := alice.next(t, replies, 3*time.Second); !bytes.Contains(p.Payload, []byte(`"ok":true`)) {
		t.Fatalf("updateToken reply %s", p.Payload)
	}
	// Another identity's token is refused.
	payload, _ = json.Marshal(map[string]string{"token": f.token(t, "bob", time.Hour)})
	if _, err := alice.c.Publish(ctx, &paho.Publish{Topic: "chat/" + f.IS + "/rpc/updateToken", QoS: 1, Payload: payload,
		Properties: &paho.PublishProperties{ResponseTopic: replies}}); err != nil {
		t.Fatal(err)
	}
	if p := alice.next(t, replies, 3*time.Second); !bytes.Contains(p.Payload, []byte(`"ok":false`)) {
		t.Fatalf("updateToken with bob's token: %s", p.Payload)
	}
	time.Sleep(3500 * time.Millisecond) // past the first token's expiry
	select {
	case d := <-alice.disc:
		t.Fatalf("disconnected (%#x) although the token was refreshed", d.ReasonCode)
	default:
	}
	if r, err := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("still on")}); err != nil || r.ReasonCode != 0 {
		t.Fatalf("publish after refresh: %v %+v", err, r)
	}
}

func TestMQTTMembershipEvents(t *testing.T) {
	f := mqttSetup(t)
	api := f.ts.Twilio.ChatV2
	alice := f.mustDial5(t, "alice")
	bob := f.mustDial5(t, "bob")
	carol := f.mustDial5(t, "carol")
	alice.subscribe(t, f.topic("messages"))
	bob.subscribe(t, f.topic("messages"), "chat/"+f.IS+"/users/me/events")
	carol.subscribe(t, "chat/"+f.IS+"/users/me/events")
	bobInbox := "chat/" + f.IS + "/users/" + bob.connack.Properties.User.Get("parley-user-sid") + "/events"
	carolInbox := "chat/" + f.IS + "/users/" + carol.connack.Properties.User.Get("parley-user-sid") + "/events"

	if _, err := api.CreateMember(f.IS, f.CH, new(chat.CreateMemberParams).SetIdentity("carol")); err != nil {
		t.Fatal(err)
	}
	ev := mqttEvent(t, carol.next(t, carolInbox, 3*time.Second).Payload)
	if ev.Type != "channelJoined" || ev.ChannelSID != f.CH || ev.Member == nil || ev.Member.Identity != "carol" || ev.Seq != 0 {
		t.Errorf("carol's inbox %+v", ev)
	}

	// Removing bob stops his channel deliveries at once.
	if err := api.DeleteMember(f.IS, f.CH, "bob", nil); err != nil {
		t.Fatal(err)
	}
	ev = mqttEvent(t, bob.next(t, bobInbox, 3*time.Second).Payload)
	if ev.Type != "channelLeft" || ev.ChannelSID != f.CH {
		t.Errorf("bob's inbox %+v", ev)
	}
	if _, err := api.CreateMessage(f.IS, f.CH, new(chat.CreateMessageParams).SetBody("after bob left")); err != nil {
		t.Fatal(err)
	}
	alice.next(t, f.topic("messages"), 3*time.Second) // the message went out
	select {
	case p := <-bob.msgs:
		if p.Topic == f.topic("messages") {
			t.Errorf("removed member still received %s", p.Payload)
		}
	case <-time.After(200 * time.Millisecond):
	}
}

func TestMQTTWebSocket(t *testing.T) {
	f := mqttSetup(t)
	got := make(chan []byte, 1)
	opts := mqtt3.NewClientOptions().AddBroker("ws://" + f.ts.srv.Addr() + "/mqtt").SetClientID("bob-ws").
		SetUsername("bob").SetPassword(f.token(t, "bob", time.Hour)).SetProtocolVersion(4).SetAutoReconnect(false)
	cl := mqtt3.NewClient(opts)
	if tk := cl.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("ws connect: %v", tk.Error())
	}
	defer cl.Disconnect(100)
	st := cl.Subscribe(f.topic("messages"), 0, func(_ mqtt3.Client, m mqtt3.Message) { got <- m.Payload() })
	if !st.WaitTimeout(5*time.Second) || st.Error() != nil {
		t.Fatal(st.Error())
	}
	if _, err := f.ts.Twilio.ChatV2.CreateMessage(f.IS, f.CH, new(chat.CreateMessageParams).SetBody("over ws")); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		if ev := mqttEvent(t, b); ev.Message == nil || ev.Message.Body != "over ws" {
			t.Errorf("ws delivery %s", b)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no delivery over WebSocket")
	}

	// A foreign Origin is refused at the upgrade; the REST host's own is
	// accepted.
	for origin, want := range map[string]int{"http://evil.example": 403, "http://" + f.ts.srv.Addr(): 101} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+f.ts.srv.Addr()+"/mqtt", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		req.Header.Set("Sec-WebSocket-Protocol", "mqtt")
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Origin %s: status %d, want %d", origin, resp.StatusCode, want)
		}
	}
}

// A CONNECT announcing 256 MB is refused before anything is allocated.
func TestMQTTOversizedPacket(t *testing.T) {
	f := mqttSetup(t)
	for i := range 4 {
		c, err := net.Dial("tcp", f.ts.MQTTAddr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte{0x10, 0xFF, 0xFF, 0xFF, 0x7F}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err = c.Read(make([]byte, 16))
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("socket %d announcing 256 MB still open", i)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("socket %d closed after %v", i, d)
		}
		c.Close()
	}
}

// An MQTT 3.1.1 client publishing where it may not is disconnected (its
// PUBACK cannot refuse).
func TestMQTTv3DeniedPublish(t *testing.T) {
	f := mqttSetup(t)
	lost := make(chan error, 1)
	opts := mqtt3.NewClientOptions().AddBroker("tcp://" + f.ts.MQTTAddr).SetClientID("carol-v3").
		SetUsername("carol").SetPassword(f.token(t, "carol", time.Hour)).SetProtocolVersion(4).SetAutoReconnect(false).
		SetConnectionLostHandler(func(_ mqtt3.Client, err error) { lost <- err })
	cl := mqtt3.NewClient(opts)
	if tk := cl.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("v3 connect: %v", tk.Error())
	}
	defer cl.Disconnect(100)
	cl.Publish(f.topic("messages"), 1, false, "not a member")
	select {
	case <-lost:
	case <-time.After(3 * time.Second):
		t.Fatal("v3 client not disconnected after a denied publish")
	}
	page, err := f.ts.Twilio.ChatV2.ListMessage(f.IS, f.CH, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 0 {
		t.Errorf("denied publish stored %d messages", len(page))
	}
}
