package sdk

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/parleychat/parley/wire"
)

// State is the state of a Client's connection.
type State string

// Connection states.
const (
	// StateConnecting: the first connection is being made.
	StateConnecting State = "connecting"
	// StateConnected: connected and subscribed; events flow.
	StateConnected State = "connected"
	// StateDisconnected: the connection was lost; the client reconnects
	// with backoff and then catches up.
	StateDisconnected State = "disconnected"
	// StateDenied: the server refused the token and no new one could be
	// had; the client no longer tries. Close it and create a new one.
	StateDenied State = "denied"
	// StateClosed: Close was called.
	StateClosed State = "closed"
)

// Defaults of Config.
const (
	DefaultRequestTimeout = 10 * time.Second
	DefaultKeepAlive      = 30 // seconds
	// DefaultTypingTimeout is assumed until a typingStarted event tells
	// the service's typing indicator timeout.
	DefaultTypingTimeout = 5 * time.Second
	// eventBuffer is the capacity of the Events channel.
	eventBuffer = 256
)

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("sdk: client closed")

// ErrConnectionLost is returned by a request whose connection dropped
// before the reply came; the request may or may not have been carried out.
var ErrConnectionLost = errors.New("sdk: connection lost before the reply")

// Config configures a Client.
type Config struct {
	// URL of Parley's MQTT endpoint: mqtt://host:1883, mqtts://host:8883
	// or ws://host:8080/mqtt (wss:// for TLS). Required.
	URL string
	// Token is the access token (a Twilio-format AccessToken with a chat
	// grant). Either Token or TokenProvider is required.
	Token string
	// TokenProvider, when set, is asked for a new token when the server
	// warns that the current one is about to expire (the new token is sent
	// in band with updateToken, the session continues), and before a
	// reconnection when the current token has expired. It plays the part
	// of Twilio's AccessManager. When Token is empty it also gives the
	// first token.
	TokenProvider func(ctx context.Context) (string, error)
	// Logger receives the SDK's diagnostics; nil discards them.
	Logger *slog.Logger
	// ClientID is the MQTT client ID; empty generates a random one (kept
	// across reconnections).
	ClientID string
	// TLSConfig is used for mqtts:// and wss:// URLs.
	TLSConfig *tls.Config
	// RequestTimeout bounds each request (RPC or send attempt); zero means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// ReconnectBackoff gives the delay before reconnection attempt n (n=0
	// is the first attempt after a drop); nil uses an exponential backoff
	// from 250 ms up to 30 s with jitter.
	ReconnectBackoff func(attempt int) time.Duration
	// KeepAlive in seconds; zero means DefaultKeepAlive.
	KeepAlive uint16
}

// Client is a connection to Parley as one end user, kept alive across
// network failures. Its methods are safe for concurrent use.
//
// Every channel the user has joined is subscribed automatically (and every
// channel joined later); their events, and the user's own events, arrive
// on Events in order per channel: live events are checked by seq and index,
// and whatever a disconnection or a lost delivery skipped is fetched by
// index and delivered once, before newer events.
type Client struct {
	cfg      Config
	log      *slog.Logger
	clientID string
	cmCancel context.CancelFunc

	mu          sync.Mutex
	cm          *autopaho.ConnectionManager
	token       string
	tokenBad    bool // the server said the token expired
	identity    string
	userSID     string
	serviceSID  string
	state       State
	gen         int           // connection generation, bumped when it drops
	ready       chan struct{} // closed while connected and subscribed
	readyClosed bool
	lost        chan struct{} // closed when the current connection drops
	lostClosed  bool
	stopped     bool // no more reconnection (denied or closed)
	typingEvery time.Duration
	typingSent  map[string]time.Time
	names       map[string]string // unique name -> channel SID

	pmu     sync.Mutex
	pending map[string]chan *wire.Reply

	inbox      *queue[item]
	events     chan Event
	chans      map[string]*channelOrder // owned by the sequencer
	firstReady chan struct{}
	firstErr   chan error
	firstOnce  sync.Once     // closes firstReady
	done       chan struct{} // closed by Close
	seqDone    chan struct{} // closed when the sequencer exits
	closeOnce  sync.Once
}

// itemKind says what the sequencer must do with an item.
type itemKind int

const (
	itemPublish itemKind = iota // an event from the server
	itemUp                      // a connection came up and is subscribed
	itemDown                    // the connection dropped
	itemEmit                    // deliver ev as is
	itemSync                    // retry a channel's catch-up
)

type item struct {
	kind    itemKind
	topic   string
	payload []byte
	ev      Event
	channel string
}

// New connects to Parley and returns once the client is connected and
// subscribed to the user's channels, or fails when the server refuses the
// token. ctx bounds only this first connection; the client lives until
// Close.
func New(ctx context.Context, cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("sdk: invalid URL %q", cfg.URL)
	}
	switch strings.ToLower(u.Scheme) {
	case "mqtt", "tcp", "mqtts", "ssl", "tls", "ws", "wss":
	default:
		return nil, fmt.Errorf("sdk: unsupported URL scheme %q (want mqtt, mqtts, ws or wss)", u.Scheme)
	}
	if cfg.Token == "" && cfg.TokenProvider == nil {
		return nil, errors.New("sdk: Config.Token or Config.TokenProvider is required")
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.ReconnectBackoff == nil {
		cfg.ReconnectBackoff = autopaho.NewExponentialBackoff(250*time.Millisecond, 30*time.Second, time.Second, 2)
	}
	c := &Client{cfg: cfg, log: cfg.Logger, clientID: cfg.ClientID, token: cfg.Token, state: StateConnecting,
		ready: make(chan struct{}), lost: make(chan struct{}), typingEvery: DefaultTypingTimeout,
		typingSent: map[string]time.Time{}, names: map[string]string{}, pending: map[string]chan *wire.Reply{},
		inbox: newQueue[item](), events: make(chan Event, eventBuffer), chans: map[string]*channelOrder{},
		firstReady: make(chan struct{}), firstErr: make(chan error, 1), done: make(chan struct{}),
		seqDone: make(chan struct{})}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.clientID == "" {
		c.clientID = "parley-sdk-" + randomID()
	}
	if c.token == "" {
		tctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
		c.token, err = cfg.TokenProvider(tctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("sdk: token provider: %w", err)
		}
	}
	go c.sequence()

	pc := autopaho.ClientConfig{
		ServerUrls:       []*url.URL{u},
		TlsCfg:           cfg.TLSConfig,
		KeepAlive:        cfg.KeepAlive,
		ReconnectBackoff: cfg.ReconnectBackoff,
		ConnectTimeout:   cfg.RequestTimeout,
		// A clean session every time: Parley delivers at QoS 0 and the SDK
		// catches up by index, so no server-side session is needed.
		CleanStartOnInitialConnection: true,
		ConnectPacketBuilder:          c.buildConnect,
		OnConnectionUp:                c.onConnectionUp,
		OnConnectionDown:              c.onConnectionDown,
		OnConnectError:                c.onConnectError,
		ClientConfig: paho.ClientConfig{
			ClientID: c.clientID,
			// Handlers given at construction survive reconnections; those
			// added with AddOnPublishReceived do not (paho.golang #326).
			OnPublishReceived:  []func(paho.PublishReceived) (bool, error){c.onPublish},
			OnServerDisconnect: c.onServerDisconnect,
			PacketTimeout:      cfg.RequestTimeout,
		},
	}
	if strings.HasPrefix(strings.ToLower(u.Scheme), "ws") {
		// Parley's WebSocket endpoint speaks the "mqtt" subprotocol.
		pc.WebSocketCfg = &autopaho.WebSocketConfig{}
	}
	cmCtx, cancel := context.WithCancel(context.Background())
	c.cmCancel = cancel
	cm, err := autopaho.NewConnection(cmCtx, pc)
	if err != nil {
		cancel()
		close(c.done)
		return nil, fmt.Errorf("sdk: %w", err)
	}
	c.mu.Lock()
	c.cm = cm // callbacks may have set it already
	c.mu.Unlock()
	select {
	case <-c.firstReady:
		return c, nil
	case err := <-c.firstErr:
		c.Close()
		return nil, err
	case <-ctx.Done():
		c.Close()
		return nil, fmt.Errorf("sdk: connecting to %s: %w", cfg.URL, ctx.Err())
	}
}

// Events returns the client's events. Read it promptly: the SDK buffers
// without bound behind it. It is closed by Close.
func (c *Client) Events() <-chan Event { return c.events }

// State returns the connection state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Identity returns the connected user's identity.
func (c *Client) Identity() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.identity
}

// UserSID returns the connected user's SID (US...).
func (c *Client) UserSID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.userSID
}

// ServiceSID returns the service the token is for (IS...).
func (c *Client) ServiceSID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.serviceSID
}

// ClientID returns the MQTT client ID.
func (c *Client) ClientID() string { return c.clientID }

// Close disconnects and stops the client; Events is closed once every
// event already received has been handed over or dropped.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.stopped = true
		c.state = StateClosed
		c.mu.Unlock()
		c.cmCancel()
		if cm := c.conn(); cm != nil {
			select {
			case <-cm.Done():
			case <-time.After(5 * time.Second):
			}
		}
		close(c.done)
		<-c.seqDone
	})
	return nil
}

// conn returns the connection manager.
func (c *Client) conn() *autopaho.ConnectionManager {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cm
}

// setState records a state change and announces it.
func (c *Client) setState(s State) {
	c.mu.Lock()
	if c.state == s || c.state == StateClosed || (c.state == StateDenied && s != StateClosed) {
		c.mu.Unlock()
		return
	}
	c.state = s
	c.mu.Unlock()
	c.emit(Event{Type: ConnectionStateChanged, State: s})
}

// emit hands an SDK event to the sequencer, which delivers it after what
// came before.
func (c *Client) emit(ev Event) { c.inbox.push(item{kind: itemEmit, ev: ev}) }

// buildConnect completes each CONNECT: the current token (a fresh one when
// it has expired and a TokenProvider is set) and Request Problem
// Information = 1. paho.golang sends 0 whenever any CONNECT property is set
// and mochi then strips the user properties of every packet it sends,
// including parley-index on PUBACK and the identity on CONNACK.
func (c *Client) buildConnect(cp *paho.Connect, _ *url.URL) (*paho.Connect, error) {
	c.mu.Lock()
	tok, bad := c.token, c.tokenBad
	c.mu.Unlock()
	if c.cfg.TokenProvider != nil && (bad || expiresWithin(tok, 2*time.Second)) {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.RequestTimeout)
		nt, err := c.cfg.TokenProvider(ctx)
		cancel()
		if err != nil {
			c.emit(Event{Type: TokenExpired, Err: fmt.Errorf("token provider: %w", err)})
			return nil, err
		}
		c.mu.Lock()
		c.token, c.tokenBad, tok = nt, false, nt
		c.mu.Unlock()
	}
	cp.ClientID = c.clientID
	cp.Password, cp.PasswordFlag = []byte(tok), true
	if cp.Properties == nil {
		cp.Properties = &paho.ConnectProperties{}
	}
	cp.Properties.RequestProblemInfo = true
	return cp, nil
}

func (c *Client) onConnectionUp(cm *autopaho.ConnectionManager, ack *paho.Connack) {
	c.mu.Lock()
	c.cm = cm
	if ack.Properties != nil {
		c.identity = ack.Properties.User.Get("parley-identity")
		c.userSID = ack.Properties.User.Get("parley-user-sid")
		c.serviceSID = ack.Properties.User.Get("parley-service-sid")
	}
	if c.lostClosed {
		c.lost, c.lostClosed = make(chan struct{}), false
	}
	gen, is, us := c.gen, c.serviceSID, c.userSID
	c.mu.Unlock()
	if us == "" {
		// Without the identity properties nothing can be addressed.
		c.log.Error("parley: CONNACK carries no parley-user-sid")
		return
	}
	go func() { // OnConnectionUp must not block
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.RequestTimeout)
		defer cancel()
		// No subscription survives a reconnection (clean session), so
		// everything is subscribed again here.
		_, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{
			{Topic: "chat/" + is + "/users/" + us + "/events"},
			{Topic: "chat/" + is + "/users/" + us + "/rpc"},
		}})
		if err != nil {
			c.log.Warn("parley: subscribing to the user topics", "err", err)
			return
		}
		c.mu.Lock()
		if c.gen != gen {
			c.mu.Unlock()
			return
		}
		if !c.readyClosed {
			close(c.ready)
			c.readyClosed = true
		}
		c.mu.Unlock()
		c.inbox.push(item{kind: itemUp})
	}()
}

func (c *Client) onConnectionDown() bool {
	c.mu.Lock()
	c.gen++
	if c.readyClosed {
		c.ready, c.readyClosed = make(chan struct{}), false
	}
	if !c.lostClosed {
		close(c.lost)
		c.lostClosed = true
	}
	stopped := c.stopped
	c.mu.Unlock()
	c.inbox.push(item{kind: itemDown})
	if stopped {
		return false
	}
	c.setState(StateDisconnected)
	return true
}

func (c *Client) onServerDisconnect(d *paho.Disconnect) {
	if d.ReasonCode != 0xA0 { // Maximum connect time: the token lapsed
		return
	}
	c.mu.Lock()
	c.tokenBad = true
	stop := c.cfg.TokenProvider == nil
	if stop {
		c.stopped = true
	}
	c.mu.Unlock()
	if stop {
		c.emit(Event{Type: TokenExpired, Err: errors.New("the server disconnected: token expired (0xA0)")})
		c.setState(StateDenied)
		c.cmCancel()
	}
}

func (c *Client) onConnectError(err error) {
	var ce *autopaho.ConnackError
	if !errors.As(err, &ce) {
		c.log.Debug("parley: connect attempt failed", "err", err)
		return
	}
	refused := fmt.Errorf("sdk: connection refused: %s (%#x)", ce.Reason, ce.ReasonCode)
	if ce.Reason == "" {
		refused = fmt.Errorf("sdk: connection refused (%#x)", ce.ReasonCode)
	}
	select {
	case <-c.firstReady:
	default:
		select {
		case c.firstErr <- refused:
		default:
		}
		c.mu.Lock()
		c.stopped = true
		c.mu.Unlock()
		c.cmCancel()
		return
	}
	switch ce.ReasonCode {
	case 0xA0: // token expired
		c.mu.Lock()
		c.tokenBad = true
		stop := c.cfg.TokenProvider == nil
		if stop {
			c.stopped = true
		}
		c.mu.Unlock()
		if !stop {
			return // buildConnect asks the provider before the next attempt
		}
		c.emit(Event{Type: TokenExpired, Err: refused})
	case 0x86, 0x87, 0x85:
		c.mu.Lock()
		c.stopped = true
		c.mu.Unlock()
	default:
		return // server busy and the like: keep trying
	}
	c.setState(StateDenied)
	c.cmCancel()
}

// onPublish runs on paho's receive goroutine: it answers RPC replies at
// once and queues everything else, never blocking.
func (c *Client) onPublish(pr paho.PublishReceived) (bool, error) {
	p := pr.Packet
	if strings.HasSuffix(p.Topic, "/rpc") {
		var r wire.Reply
		if err := json.Unmarshal(p.Payload, &r); err != nil {
			c.log.Warn("parley: undecodable RPC reply", "err", err)
			return true, nil
		}
		if p.Properties != nil && len(p.Properties.CorrelationData) > 0 {
			r.ID = string(p.Properties.CorrelationData)
		}
		c.pmu.Lock()
		ch := c.pending[r.ID]
		delete(c.pending, r.ID)
		c.pmu.Unlock()
		if ch != nil {
			ch <- &r // buffered(1), registered before the request went out
		}
		return true, nil
	}
	c.inbox.push(item{kind: itemPublish, topic: p.Topic, payload: p.Payload})
	return true, nil
}

// awaitReady waits until the client is connected and subscribed and
// returns the channel closed if that connection drops.
func (c *Client) awaitReady(ctx context.Context) (lost <-chan struct{}, err error) {
	for {
		c.mu.Lock()
		ready, stopped, state := c.ready, c.stopped, c.state
		c.mu.Unlock()
		if state == StateClosed {
			return nil, ErrClosed
		}
		if stopped && state == StateDenied {
			return nil, errors.New("sdk: the server refused the token")
		}
		select {
		case <-ready:
			c.mu.Lock()
			lost, ok := c.lost, c.readyClosed
			c.mu.Unlock()
			if ok {
				return lost, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return nil, ErrClosed
		}
	}
}

// randomID returns 16 random hex digits.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// expiresWithin reports whether the JWT's exp claim is less than d away
// (true when it cannot be read). The token is not verified: only the server
// can, and it does.
func expiresWithin(tok string, d time.Duration) bool {
	exp, ok := tokenExpiry(tok)
	return !ok || time.Until(exp) < d
}

// tokenExpiry reads the exp claim of a JWT.
func tokenExpiry(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(b, &claims) != nil || claims.Exp == 0 {
		return time.Time{}, false
	}
	return time.Unix(claims.Exp, 0), true
}
