package main

import (
	"context"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/sdk"
	"github.com/parleychat/parley/token"
)

// SDK benchmark of issue 5 (docs/benchmarks.md, section SDK): send-to-
// delivery latency between two SDK clients in one channel, against raw
// paho.golang clients (QoS 1 publish, plain subscription) over the same
// server in the same run.
//
//	go test -run '^$' -bench SDKLatency -benchtime 2000x -count 3 ./cmd/parley

// benchChat is a running Parley with a channel whose members are alice and
// bob, and tokens for them.
type benchChat struct {
	srv      *server
	is, ch   string
	alice    string
	bob      string
	mqttAddr string
}

func startBenchChat(b *testing.B) *benchChat {
	b.Helper()
	ctx := context.Background()
	srv, err := startServer(ctx, serveConfig{Listen: "127.0.0.1:0", DataDir: b.TempDir(), AccountSID: testAccountSID,
		AuthToken: testAuthToken, LogLevel: "error", LogFormat: "text", MaxBody: 1 << 20, MQTTListen: "127.0.0.1:0"},
		io.Discard, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	api := core.Actor{Source: model.SourceAPI}
	svc, err := srv.core.CreateService(ctx, api, core.ServiceCreate{FriendlyName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ch, err := srv.core.CreateChannel(ctx, api, svc.SID, core.ChannelCreate{UniqueName: "room"})
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range []string{"alice", "bob"} {
		if _, err := srv.core.CreateMember(ctx, api, svc.SID, ch.SID, core.MemberCreate{Identity: id}); err != nil {
			b.Fatal(err)
		}
	}
	key, secret, err := srv.core.CreateKey(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	bc := &benchChat{srv: srv, is: svc.SID, ch: ch.SID, mqttAddr: srv.MQTTAddr()}
	mint := func(id string) string {
		tok, err := token.Mint(token.Params{AccountSID: testAccountSID, KeySID: key.SID, Secret: secret,
			Identity: id, Chat: token.ChatGrant{ServiceSID: svc.SID}, TTL: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		return tok
	}
	bc.alice, bc.bob = mint("alice"), mint("bob")
	return bc
}

// reportLatency records the percentiles of lat.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) }
	b.ReportMetric(pct(0.5), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

func BenchmarkSDKLatency(b *testing.B) {
	bc := startBenchChat(b)
	b.Run("sdk", func(b *testing.B) {
		ctx := context.Background()
		alice, err := sdk.New(ctx, sdk.Config{URL: "mqtt://" + bc.mqttAddr, Token: bc.alice})
		if err != nil {
			b.Fatal(err)
		}
		defer alice.Close()
		bob, err := sdk.New(ctx, sdk.Config{URL: "mqtt://" + bc.mqttAddr, Token: bc.bob})
		if err != nil {
			b.Fatal(err)
		}
		defer bob.Close()
		go func() { // alice's own deliveries are not measured
			for range alice.Events() {
			}
		}()
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			start := time.Now()
			r, err := alice.SendMessage(ctx, bc.ch, sdk.NewMessage{Body: "benchmark message of a typical length"})
			if err != nil {
				b.Fatal(err)
			}
			for ev := range bob.Events() {
				if ev.Type == sdk.MessageAdded && *ev.Index == r.Index {
					break
				}
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		reportLatency(b, lat)
	})
	b.Run("paho", func(b *testing.B) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		got := make(chan string, 16)
		// Both subscribe, as SDK clients do, so the server fans out to two.
		dial := func(id, tok string, recv bool) *paho.Client {
			conn, err := net.Dial("tcp", bc.mqttAddr)
			if err != nil {
				b.Fatal(err)
			}
			cfg := paho.ClientConfig{Conn: conn, PacketTimeout: 10 * time.Second}
			cfg.OnPublishReceived = []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
				if recv {
					got <- string(pr.Packet.Payload)
				}
				return true, nil
			}}
			c := paho.NewClient(cfg)
			if _, err := c.Connect(ctx, &paho.Connect{ClientID: id, KeepAlive: 30, CleanStart: true, PasswordFlag: true,
				Password: []byte(tok), Properties: &paho.ConnectProperties{RequestProblemInfo: true}}); err != nil {
				b.Fatal(err)
			}
			return c
		}
		alice, bob := dial("paho-alice", bc.alice, false), dial("paho-bob", bc.bob, true)
		defer alice.Disconnect(&paho.Disconnect{})
		defer bob.Disconnect(&paho.Disconnect{})
		topic := "chat/" + bc.is + "/channels/" + bc.ch + "/messages"
		for _, c := range []*paho.Client{alice, bob} {
			if _, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: topic}}}); err != nil {
				b.Fatal(err)
			}
		}
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			start := time.Now()
			body := "benchmark message " + strconv.Itoa(i)
			r, err := alice.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(body)})
			if err != nil || r.ReasonCode >= 0x80 {
				b.Fatalf("publish: %v %+v", err, r)
			}
			want := `"body":"` + body + `"`
			for p := range got {
				if strings.Contains(p, want) {
					break
				}
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		reportLatency(b, lat)
	})
}
