package main

import (
	"context"
	"fmt"
	"testing"
	"time"

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
