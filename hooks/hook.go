// Package hooks is Parley's MQTT layer on top of the broker: one mochi hook
// that authenticates CONNECT with an access token, owns client IDs,
// enforces the topic ACL of docs/protocol.md, and turns PUBLISHes into core
// calls (send, typing, RPC). hooks never touches the store: every rule is
// core's, reached with the connection's end-user Actor.
package hooks

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/parleychat/parley/broker"
	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// Defaults of Config's zero fields; docs/operations.md explains each.
const (
	DefaultTokenWarning = 60 * time.Second
	DefaultMaxKeepalive = 60
	DefaultCoreTimeout  = 5 * time.Second
	// DefaultStallTimeout is how long a connection may go on dropping
	// deliveries (its outbound queue full, nothing written to it since the
	// first drop) before it is disconnected.
	DefaultStallTimeout = 15 * time.Second
	// kickWriteGrace bounds the write of the DISCONNECT sent to a client
	// disconnected for being too slow.
	kickWriteGrace = time.Second
)

// User properties Parley adds to CONNACK and PUBACK (MQTT 5).
const (
	PropIdentity   = "parley-identity"
	PropUserSID    = "parley-user-sid"
	PropServiceSID = "parley-service-sid"
	PropIndex      = "parley-index"
	PropMessageSID = "parley-message-sid"
)

// Config configures the hook.
type Config struct {
	// Core runs every action. Required.
	Core *core.Core
	// Broker is the broker the hook is added to. Required.
	Broker *broker.Broker
	// Events publishes user events (tokenAboutToExpire). Required.
	Events *broker.Events
	// RPC runs RPC commands (an *RPC); nil answers every request with an
	// error.
	RPC RPCHandler
	// TokenWarning is how long before a token expires its connection
	// receives tokenAboutToExpire.
	TokenWarning time.Duration
	// MaxKeepalive is the longest keepalive honoured, in seconds; a client
	// asking for more, or for none, gets this one (advertised in CONNACK).
	MaxKeepalive uint16
	// CoreTimeout bounds every core call made from a hook.
	CoreTimeout time.Duration
	// Logger receives the hook's logs; nil discards them.
	Logger *slog.Logger
	// Presence tracks who is online (give the same value to
	// core.Config.Presence); nil makes the hook its own.
	Presence *Presence
	// StallTimeout disconnects (0x97) a connection that has been dropping
	// deliveries for this long because it does not read them; 0 means
	// DefaultStallTimeout, a negative value never disconnects.
	StallTimeout time.Duration
}

// RPCHandler runs one RPC request (see RPC.Handle): it returns the encoded
// reply, the reply topic named in the request's JSON envelope ("" when none
// or not allowed) and the request's id.
type RPCHandler interface {
	Handle(ctx context.Context, s *Session, command string, payload []byte) (reply []byte, replyTo string, id string)
}

// Hook is the one authoritative mochi hook of Parley (no allow-all hook is
// ever added beside it: mochi ORs the auth and ACL answers of all hooks).
type Hook struct {
	mqtt.HookBase
	cfg Config
	log *slog.Logger
	sys *mqtt.Client
	// ctx is the hooks' lifetime: cancelled by Stop, it ends core calls
	// still running when the broker closes.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.RWMutex
	conns  map[*mqtt.Client]*conn
	owners map[string]owner // client ID -> who holds it
	// removed holds, per removed channel, the users whose connections had
	// it cached, until the channelRemoved event is routed (Directory).
	removed map[string][]string

	typingMu sync.Mutex
	typing   map[typingKey]*time.Timer

	presence *Presence
	wg       sync.WaitGroup // the presence notifier
	// streaks holds the drop streak (*dropStreak) of each connection that
	// dropped a delivery since it was last written to; streaking counts
	// them, so that OnPacketSent costs one atomic load when none does.
	streaks   sync.Map
	streaking atomic.Int32
	// Dropped counts deliveries dropped because a connection's outbound
	// queue was full; Kicked counts connections disconnected for it.
	Dropped atomic.Int64
	Kicked  atomic.Int64
}

// dropStreak is one connection's run of dropped deliveries.
type dropStreak struct {
	since  time.Time // the first drop
	n      atomic.Int64
	kicked atomic.Bool
}

// owner is who holds a client ID: its session (live or kept after a
// disconnect) can only be resumed by the same identity in the same service.
type owner struct {
	identity, serviceSID string
}

type typingKey struct {
	serviceSID, channelSID, identity string
}

// conn is the state of one authenticated connection.
type conn struct {
	sess *Session
	cl   *mqtt.Client
	v5   bool

	// online tells whether the connection counts in Presence (from its
	// CONNACK to its disconnect; only mochi's goroutine of the connection
	// touches it).
	online bool

	mu        sync.RWMutex
	channels  map[string]bool // channel SIDs whose membership was checked at subscribe
	expires   time.Time
	warnTimer *time.Timer
	expTimer  *time.Timer
}

// New returns the hook for cfg.
func New(cfg Config) (*Hook, error) {
	if cfg.Core == nil || cfg.Broker == nil || cfg.Events == nil {
		return nil, errors.New("hooks: Core, Broker and Events are required")
	}
	if cfg.TokenWarning <= 0 {
		cfg.TokenWarning = DefaultTokenWarning
	}
	if cfg.MaxKeepalive == 0 {
		cfg.MaxKeepalive = DefaultMaxKeepalive
	}
	if cfg.CoreTimeout <= 0 {
		cfg.CoreTimeout = DefaultCoreTimeout
	}
	if cfg.StallTimeout == 0 {
		cfg.StallTimeout = DefaultStallTimeout
	}
	if cfg.Presence == nil {
		cfg.Presence = NewPresence()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hook{cfg: cfg, log: log,
		sys: cfg.Broker.NewSystemClient("parley-rpc"), ctx: ctx, cancel: cancel,
		conns: map[*mqtt.Client]*conn{}, owners: map[string]owner{}, removed: map[string][]string{},
		typing: map[typingKey]*time.Timer{}, presence: cfg.Presence}
	h.wg.Add(1)
	go h.notifyPresence()
	return h, nil
}

// ID names the hook in mochi's logs.
func (h *Hook) ID() string { return "parley" }

// Provides lists the hook points the hook implements.
func (h *Hook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnect, mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnDisconnect,
		mqtt.OnSubscribe, mqtt.OnUnsubscribe, mqtt.OnPublish, mqtt.OnPacketEncode, mqtt.OnPacketRead, mqtt.OnClientExpired,
		mqtt.OnStopped, mqtt.OnSessionEstablished, mqtt.OnPublishDropped, mqtt.OnPacketSent}, []byte{b})
}

// Stop cancels the hooks' lifetime context and every timer, and waits for
// the presence notifier.
func (h *Hook) Stop() error {
	h.cancel()
	h.wg.Wait()
	h.mu.Lock()
	for _, c := range h.conns {
		c.stopTimers()
	}
	h.mu.Unlock()
	h.typingMu.Lock()
	for k, t := range h.typing {
		t.Stop()
		delete(h.typing, k)
	}
	h.typingMu.Unlock()
	return nil
}

// OnStopped is Stop for mochi's Close path (which calls both).
func (h *Hook) OnStopped() { _ = h.Stop() }

// coreCtx returns a context for one core call: the hooks' lifetime,
// bounded by CoreTimeout.
func (h *Hook) coreCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(h.ctx, h.cfg.CoreTimeout)
}

func (h *Hook) conn(cl *mqtt.Client) *conn {
	h.mu.RLock()
	c := h.conns[cl]
	h.mu.RUnlock()
	return c
}

func actor(s *Session) core.Actor {
	return core.Actor{Source: model.SourceSDK, Identity: s.Identity}
}

// OnConnect authenticates the CONNECT: the password is an access token,
// the username (optional) must be its identity, the client ID must not be
// held by another identity, and the user is ensured in the token's service.
// Each refusal sends its own CONNACK code (docs/protocol.md) and closes the
// connection: mochi sends none when OnConnect fails.
func (h *Hook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	if cl.State.Keepalive == 0 || cl.State.Keepalive > h.cfg.MaxKeepalive {
		// Keepalive 0 would mean no read deadline at all in mochi.
		cl.State.ServerKeepalive = true
		cl.State.Keepalive = h.cfg.MaxKeepalive
	}
	v5 := cl.Properties.ProtocolVersion >= 5
	refuse := func(code byte, reason string) error {
		c := packets.Code{Code: code, Reason: reason}
		if !v5 {
			c = v3Connack(code)
		}
		_ = h.cfg.Broker.Server.SendConnack(cl, c, false, nil)
		return c
	}
	raw := string(pk.Connect.Password)
	if raw == "" {
		return refuse(0x86, "access token required as the password")
	}
	ctx, cancel := h.coreCtx()
	defer cancel()
	claims, err := h.cfg.Core.VerifyToken(ctx, raw)
	if err != nil {
		switch e := model.AsError(err); {
		case e.Kind == model.KindUnauthenticated && e.Code == core.CodeTokenExpired:
			return refuse(0xA0, e.Message)
		case e.Kind == model.KindUnauthenticated && e.Code == core.CodeTokenNotYetValid:
			return refuse(0x87, e.Message)
		case e.Kind == model.KindUnauthenticated:
			return refuse(0x86, e.Message)
		default:
			h.log.Warn("mqtt connect: token verification failed", "error", err)
			return refuse(0x88, "server unavailable")
		}
	}
	if u := string(pk.Connect.Username); u != "" && u != claims.Identity {
		return refuse(0x86, "username must be the token's identity")
	}
	me := owner{identity: claims.Identity, serviceSID: claims.Chat.ServiceSID}
	claimed, ok := h.claim(cl.ID, me)
	if !ok {
		return refuse(0x85, "client identifier in use by another identity")
	}
	user, err := h.cfg.Core.Connect(ctx, core.Actor{Source: model.SourceSDK, Identity: claims.Identity}, claims.Chat.ServiceSID)
	if err != nil {
		if claimed {
			h.release(cl.ID, me)
		}
		switch e := model.AsError(err); e.Kind {
		case model.KindNotFound, model.KindForbidden, model.KindInvalid:
			return refuse(0x87, e.Message)
		default:
			h.log.Warn("mqtt connect: user not ensured", "error", err)
			return refuse(0x88, "server unavailable")
		}
	}
	c := &conn{cl: cl, v5: v5, channels: map[string]bool{}, expires: claims.Expires}
	c.sess = &Session{Identity: claims.Identity, ServiceSID: claims.Chat.ServiceSID, UserSID: user.SID,
		Expires: claims.Expires}
	c.sess.Refresh = func(tok string) (time.Time, error) { return h.refresh(c, tok) }
	h.resumeMemberships(c, cl, pk.Connect.Clean)
	h.mu.Lock()
	h.conns[cl] = c
	h.mu.Unlock()
	h.armTimers(c)
	return nil
}

// v3Connack maps a refusal to the MQTT 3.1.1 CONNACK return codes.
func v3Connack(code byte) packets.Code {
	switch code {
	case 0x85:
		return packets.Err3ClientIdentifierNotValid
	case 0x86:
		return packets.Code{Code: 0x04, Reason: "bad user name or password"}
	case 0x88:
		return packets.Err3ServerUnavailable
	}
	return packets.Err3NotAuthorized
}

// claim records me as the holder of clientID unless another identity holds
// it. claimed tells whether the claim is new (to undo on failure).
func (h *Hook) claim(clientID string, me owner) (claimed, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if o, held := h.owners[clientID]; held {
		return false, o == me
	}
	if existing, live := h.cfg.Broker.Server.Clients.Get(clientID); live {
		// A session the hook does not know (none should exist): refuse
		// rather than let it be taken over.
		if c := h.conns[existing]; c == nil || c.sess.Identity != me.identity || c.sess.ServiceSID != me.serviceSID {
			return false, false
		}
	}
	h.owners[clientID] = me
	return true, true
}

func (h *Hook) release(clientID string, me owner) {
	h.mu.Lock()
	if h.owners[clientID] == me {
		delete(h.owners, clientID)
	}
	h.mu.Unlock()
}

// OnConnectAuthenticate allows exactly the connections OnConnect accepted.
func (h *Hook) OnConnectAuthenticate(cl *mqtt.Client, _ packets.Packet) bool {
	return h.conn(cl) != nil
}

// OnDisconnect drops the connection's state. The client ID stays owned
// while mochi keeps the session (until OnClientExpired).
func (h *Hook) OnDisconnect(cl *mqtt.Client, _ error, expire bool) {
	h.mu.Lock()
	c := h.conns[cl]
	delete(h.conns, cl)
	if c != nil && expire && !cl.IsTakenOver() {
		if o := h.owners[cl.ID]; o.identity == c.sess.Identity && o.serviceSID == c.sess.ServiceSID {
			if cur, ok := h.cfg.Broker.Server.Clients.Get(cl.ID); !ok || cur == cl {
				delete(h.owners, cl.ID)
			}
		}
	}
	h.mu.Unlock()
	if c != nil {
		c.stopTimers()
		if c.online {
			c.online = false
			h.presence.add(c.sess.ServiceSID, c.sess.UserSID, -1)
		}
	}
	if _, ok := h.streaks.LoadAndDelete(cl); ok {
		h.streaking.Add(-1)
	}
}

// OnSessionEstablished counts the connection in Presence once its CONNACK
// is sent (mochi calls OnDisconnect for every connection that got here).
func (h *Hook) OnSessionEstablished(cl *mqtt.Client, _ packets.Packet) {
	if c := h.conn(cl); c != nil && !c.online {
		c.online = true
		h.presence.add(c.sess.ServiceSID, c.sess.UserSID, 1)
	}
}

// Presence returns the hook's presence tracker.
func (h *Hook) Presence() *Presence { return h.presence }

// notifyPresence tells core about users who went online or offline, one
// at a time in the order the changes are found, until Stop.
func (h *Hook) notifyPresence() {
	defer h.wg.Done()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-h.presence.wake:
		}
		for _, k := range h.presence.changes() {
			ctx, cancel := h.coreCtx()
			h.cfg.Core.PresenceChanged(ctx, k.serviceSID, k.userSID)
			cancel()
		}
	}
}

// OnPublishDropped counts a delivery mochi dropped because the client's
// outbound queue was full (the client sees a gap in seq). A client still
// dropping StallTimeout after its first drop, with nothing written to it
// since, is not reading: it is disconnected with 0x97, so that it
// reconnects and catches up instead of missing events silently.
func (h *Hook) OnPublishDropped(cl *mqtt.Client, _ packets.Packet) {
	h.Dropped.Add(1)
	if h.cfg.StallTimeout < 0 || cl.Net.Inline {
		return
	}
	now := time.Now()
	v, loaded := h.streaks.LoadOrStore(cl, &dropStreak{since: now})
	if !loaded {
		h.streaking.Add(1)
	}
	st := v.(*dropStreak)
	n := st.n.Add(1)
	if now.Sub(st.since) >= h.cfg.StallTimeout && st.kicked.CompareAndSwap(false, true) {
		h.Kicked.Add(1)
		h.log.Warn("mqtt client disconnected: not reading, deliveries dropped", "client", cl.ID,
			"dropped", n, "for", now.Sub(st.since).String())
		go h.kick(cl)
	}
}

// kick disconnects a client that stopped reading. Its writer may be
// blocked on a full socket: a write deadline unblocks it, then the
// DISCONNECT is attempted within the same grace and the connection closed.
func (h *Hook) kick(cl *mqtt.Client) {
	if cl.Net.Conn != nil {
		_ = cl.Net.Conn.SetWriteDeadline(time.Now().Add(kickWriteGrace))
	}
	h.cfg.Broker.Disconnect(cl, packets.Code{Code: packets.ErrQuotaExceeded.Code,
		Reason: "deliveries dropped: the client is not reading; reconnect and catch up"})
}

// OnPacketSent ends a connection's drop streak: something was written to
// it, so it is reading.
func (h *Hook) OnPacketSent(cl *mqtt.Client, _ packets.Packet, _ []byte) {
	if h.streaking.Load() == 0 {
		return
	}
	if v, ok := h.streaks.Load(cl); ok && !v.(*dropStreak).kicked.Load() {
		if _, ok := h.streaks.LoadAndDelete(cl); ok {
			h.streaking.Add(-1)
		}
	}
}

// OnClientExpired releases the client ID of an expired session.
func (h *Hook) OnClientExpired(cl *mqtt.Client) {
	h.mu.Lock()
	if _, live := h.cfg.Broker.Server.Clients.Get(cl.ID); !live {
		delete(h.owners, cl.ID)
	}
	h.mu.Unlock()
}

// Abandon drops the state of a client whose connection the broker aborted
// (a malformed packet that panicked mochi's decoder); wire it to
// broker.Config.OnAbort.
func (h *Hook) Abandon(cl *mqtt.Client, _ any) {
	if cl == nil {
		return
	}
	h.OnDisconnect(cl, nil, true)
	h.mu.Lock()
	delete(h.owners, cl.ID)
	h.mu.Unlock()
}

// OnPacketEncode adds Parley's user properties to a successful MQTT 5
// CONNACK and repairs mochi's successful PUBACK code (0x01 instead of 0x00
// when the ack carries properties, mochi #474).
func (h *Hook) OnPacketEncode(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	switch pk.FixedHeader.Type {
	case packets.Connack:
		if pk.ReasonCode == 0 && cl.Properties.ProtocolVersion >= 5 {
			if c := h.conn(cl); c != nil {
				pk.Properties.User = append(pk.Properties.User,
					packets.UserProperty{Key: PropIdentity, Val: c.sess.Identity},
					packets.UserProperty{Key: PropUserSID, Val: c.sess.UserSID},
					packets.UserProperty{Key: PropServiceSID, Val: c.sess.ServiceSID})
			}
		}
	case packets.Puback:
		if pk.ReasonCode == packets.CodeGrantedQos1.Code {
			pk.ReasonCode = packets.CodeSuccess.Code
		}
	}
	return pk
}
