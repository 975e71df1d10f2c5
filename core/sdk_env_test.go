package core_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/store/embedded"
)

// sdkEnv is a Core on a real embedded store with one service, recording
// every event it emits.
type sdkEnv struct {
	t    *testing.T
	core *core.Core
	svc  *model.Service
	ctx  context.Context

	mu     sync.Mutex
	events []model.Event
}

func newSDKEnv(t *testing.T) *sdkEnv {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "sdk.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &sdkEnv{t: t, ctx: context.Background()}
	cr, err := core.New(core.Config{Store: st, SecretKey: make([]byte, 32),
		Events: model.EventSinkFunc(func(_ context.Context, ev model.Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
		})})
	if err != nil {
		t.Fatal(err)
	}
	e.core = cr
	if _, _, err := cr.EnsureAccount(e.ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	e.svc, err = cr.CreateService(e.ctx, core.API(false), core.ServiceCreate{FriendlyName: "sdk"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sdkActor is an end user acting over MQTT.
func sdkActor(identity string) core.Actor {
	return core.Actor{Source: model.SourceSDK, Identity: identity}
}

// api is the REST API actor.
var api = core.API(false)

// take returns the events emitted since the last call and forgets them.
func (e *sdkEnv) take() []model.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.events
	e.events = nil
	return out
}

// channel creates a channel over REST with the given unique name and type.
func (e *sdkEnv) channel(uniqueName string, typ model.ChannelType) *model.Channel {
	e.t.Helper()
	ch, err := e.core.CreateChannel(e.ctx, api, e.svc.SID, core.ChannelCreate{UniqueName: uniqueName, Type: string(typ)})
	if err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// member adds identity to a channel over REST, with the default channel role
// unless role is set.
func (e *sdkEnv) member(channel, identity, role string) *model.Member {
	e.t.Helper()
	m, err := e.core.CreateMember(e.ctx, api, e.svc.SID, channel, core.MemberCreate{Identity: identity, RoleSID: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// user creates a user over REST with the default service role unless role
// is set.
func (e *sdkEnv) user(identity, role string) *model.User {
	e.t.Helper()
	u, err := e.core.CreateUser(e.ctx, api, e.svc.SID, core.UserCreate{Identity: identity, RoleSID: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// send posts a message over REST.
func (e *sdkEnv) send(channel, body string) *model.Message {
	e.t.Helper()
	m, err := e.core.CreateMessage(e.ctx, api, e.svc.SID, channel, core.MessageCreate{Body: &body})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// getChannel reads a channel over REST.
func (e *sdkEnv) getChannel(key string) *model.Channel {
	e.t.Helper()
	ch, err := e.core.GetChannel(e.ctx, api, e.svc.SID, key)
	if err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// sdkWant checks an error's kind and code (code 0: any code).
func sdkWant(t *testing.T, what string, err error, kind model.Kind, code int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s %d", what, kind, code)
	}
	if model.KindOf(err) != kind || code != 0 && model.CodeOf(err) != code {
		t.Fatalf("%s: got %v (kind %s, code %d), want %s %d", what, err, model.KindOf(err), model.CodeOf(err), kind, code)
	}
}

// sdkMust fails the test on an error.
func sdkMust(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
