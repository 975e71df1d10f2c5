// Package broker embeds Parley's MQTT broker: mochi-mqtt tuned for chat,
// its listeners (TCP, TLS and WebSocket on the REST port), and the
// publisher that turns core's events into MQTT deliveries on the topics of
// docs/protocol.md.
//
// The broker knows nothing of tokens, roles or the store: authentication,
// ACLs and the PUBLISH intercept are hooks (package hooks) added with
// AddHook. It imports model (and wire, the JSON of model's entities) only.
// docs/operations.md gives the reason for every option set here.
package broker

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Defaults of Config's zero fields; docs/operations.md explains each.
const (
	DefaultConnectTimeout      = 5 * time.Second
	DefaultMaxPacketSize       = 128 << 10
	DefaultWritesPending       = 256
	DefaultMaxInflight         = 128
	DefaultReceiveMaximum      = 64
	DefaultSessionExpiry       = 10 * time.Minute
	DefaultMessageExpiry       = time.Hour
	DefaultMaxClients          = 100000
	DefaultTopicAliasMaximum   = 16
	DefaultSysInfoInterval     = 60 * time.Second
	WebSocketPath              = "/mqtt"
	webSocketHandshakeTimeout  = 10 * time.Second
	listenerTCP, listenerTLS   = "tcp", "tls"
	listenerWS                 = "ws"
	webSocketSubprotocol       = "mqtt"
	webSocketReadLimitHeadroom = 16
)

// Config configures a Broker. The zero value of every field but the
// addresses is a sensible default.
type Config struct {
	// TCPAddr is the plain MQTT listener's address ("" = none).
	TCPAddr string
	// TLSAddr is the MQTT over TLS listener's address; it needs TLSConfig.
	TLSAddr   string
	TLSConfig *tls.Config
	// WebSocket enables MQTT over WebSocket through WebSocketHandler.
	WebSocket bool
	// WSOrigins is the allow-list of browser origins
	// ("https://app.example.com") for WebSocket upgrades. Empty means
	// same host only: an Origin header must name the host the request was
	// sent to. Requests without an Origin (non-browser clients) pass.
	WSOrigins []string
	// ConnectTimeout closes a connection that has not sent a complete
	// CONNECT within it.
	ConnectTimeout time.Duration
	// MaxPacketSize is the largest MQTT packet accepted, in bytes; larger
	// ones close the connection before anything is allocated.
	MaxPacketSize uint32
	// WritesPending is the per-connection outbound queue length; a
	// delivery to a full queue is dropped (QoS 0, see docs/protocol.md).
	WritesPending int32
	// MaxInflight bounds a connection's stored outbound QoS 1 messages.
	MaxInflight uint16
	// ReceiveMaximum bounds a connection's unacknowledged inbound QoS 1
	// publishes.
	ReceiveMaximum uint16
	// SessionExpiry caps how long a disconnected session is kept.
	SessionExpiry time.Duration
	// MessageExpiry caps how long a queued message is kept.
	MessageExpiry time.Duration
	// MaxClients caps concurrent connections.
	MaxClients int64
	// Logger receives the broker's logs; nil discards them.
	Logger *slog.Logger
}

// Broker is a configured mochi server and its listeners.
type Broker struct {
	// Server is the mochi server, for hooks that need it.
	Server *mqtt.Server
	cfg    Config
	log    *slog.Logger
	tcp    *netListener
	tls    *netListener
	ws     *wsListener

	onAbort func(cl *mqtt.Client, cause any)

	mu      sync.Mutex
	started bool
	closed  bool
}

// New returns a broker for cfg; Start binds its listeners.
func New(cfg Config) (*Broker, error) {
	if cfg.TLSAddr != "" && cfg.TLSConfig == nil {
		return nil, errors.New("broker: a TLS listener needs a certificate and key")
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.MaxPacketSize == 0 {
		cfg.MaxPacketSize = DefaultMaxPacketSize
	}
	if cfg.WritesPending <= 0 {
		cfg.WritesPending = DefaultWritesPending
	}
	if cfg.MaxInflight == 0 {
		cfg.MaxInflight = DefaultMaxInflight
	}
	if cfg.ReceiveMaximum == 0 {
		cfg.ReceiveMaximum = DefaultReceiveMaximum
	}
	if cfg.SessionExpiry <= 0 {
		cfg.SessionExpiry = DefaultSessionExpiry
	}
	if cfg.MessageExpiry <= 0 {
		cfg.MessageExpiry = DefaultMessageExpiry
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = DefaultMaxClients
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumQos = 1
	caps.MaximumClientWritesPending = cfg.WritesPending
	caps.MaximumInflight = cfg.MaxInflight
	caps.ReceiveMaximum = cfg.ReceiveMaximum
	caps.MaximumPacketSize = cfg.MaxPacketSize
	caps.MaximumSessionExpiryInterval = uint32(cfg.SessionExpiry / time.Second)
	caps.MaximumMessageExpiryInterval = int64(cfg.MessageExpiry / time.Second)
	caps.MaximumClients = cfg.MaxClients
	caps.TopicAliasMaximum = DefaultTopicAliasMaximum
	caps.RetainAvailable = 0
	caps.SharedSubAvailable = 0
	caps.MinimumProtocolVersion = 4
	srv := mqtt.New(&mqtt.Options{
		Capabilities:           caps,
		InlineClient:           true,
		Logger:                 slog.New(redactHandler{h: log.Handler()}).With("component", "mqtt"),
		SysTopicResendInterval: int64(DefaultSysInfoInterval / time.Second),
	})
	b := &Broker{Server: srv, cfg: cfg, log: log}
	if cfg.TCPAddr != "" {
		b.tcp = &netListener{b: b, id: listenerTCP, addr: cfg.TCPAddr, proto: "tcp"}
	}
	if cfg.TLSAddr != "" {
		b.tls = &netListener{b: b, id: listenerTLS, addr: cfg.TLSAddr, proto: "tls", tlsConfig: cfg.TLSConfig}
	}
	if cfg.WebSocket {
		b.ws = newWSListener(b)
	}
	return b, nil
}

// SetAbortHandler sets the function called when a connection's goroutine
// panicked inside mochi (a malformed packet its decoder does not survive),
// after the broker recovered and removed the client; cl is nil when the
// panic came before the client was registered. Hooks use it to drop their
// own state for cl. Call it before Start.
func (b *Broker) SetAbortHandler(f func(cl *mqtt.Client, cause any)) { b.onAbort = f }

// AddHook adds a mochi hook; hooks run in the order added.
func (b *Broker) AddHook(h mqtt.Hook, config any) error { return b.Server.AddHook(h, config) }

// Start binds the listeners and starts serving.
func (b *Broker) Start() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return errors.New("broker: already started")
	}
	var ls []listeners.Listener
	if b.tcp != nil {
		ls = append(ls, b.tcp)
	}
	if b.tls != nil {
		ls = append(ls, b.tls)
	}
	if b.ws != nil {
		ls = append(ls, b.ws)
	}
	for _, l := range ls {
		if err := b.Server.AddListener(l); err != nil {
			b.closeBound()
			return fmt.Errorf("broker: listener %s: %w", l.ID(), err)
		}
	}
	if err := b.Server.Serve(); err != nil {
		b.closeBound()
		return err
	}
	b.started = true
	return nil
}

func (b *Broker) closeBound() {
	for _, l := range []*netListener{b.tcp, b.tls} {
		if l != nil && l.ln != nil {
			l.ln.Close()
		}
	}
}

// TCPAddr returns the bound address of the TCP listener ("" when none).
func (b *Broker) TCPAddr() string {
	if b.tcp == nil {
		return ""
	}
	return b.tcp.Address()
}

// TLSAddr returns the bound address of the TLS listener ("" when none).
func (b *Broker) TLSAddr() string {
	if b.tls == nil {
		return ""
	}
	return b.tls.Address()
}

// WebSocketHandler returns the handler that upgrades MQTT over WebSocket
// requests (mount it at WebSocketPath); nil when Config.WebSocket is false.
func (b *Broker) WebSocketHandler() http.Handler {
	if b.ws == nil {
		return nil
	}
	return b.ws
}

// Close disconnects every client (DISCONNECT 0x8B) and closes the
// listeners. It is safe to call more than once.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if !b.started {
		b.closeBound()
		return nil
	}
	return b.Server.Close()
}

// establish hands one accepted connection to mochi. It bounds the wait for
// CONNECT with a read deadline (mochi replaces it with its keepalive
// deadline once CONNECT is read and authenticated) and recovers a panic of
// mochi's decoders so that one malformed packet closes that connection
// only, removing whatever the client had registered.
func (b *Broker) establish(id string, conn net.Conn, fn listeners.EstablishFn) {
	defer func() {
		if r := recover(); r != nil {
			conn.Close()
			cl := b.findClient(conn)
			if cl != nil {
				b.Server.UnsubscribeClient(cl)
				cl.ClearInflights()
				if cur, ok := b.Server.Clients.Get(cl.ID); ok && cur == cl {
					b.Server.Clients.Delete(cl.ID)
				}
			}
			b.log.Warn("mqtt connection aborted: malformed packet", "listener", id, "remote", conn.RemoteAddr().String(), "panic", fmt.Sprint(r))
			if b.onAbort != nil {
				b.onAbort(cl, r)
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(b.cfg.ConnectTimeout))
	_ = fn(id, conn)
}

// findClient returns the registered client whose connection is conn.
func (b *Broker) findClient(conn net.Conn) *mqtt.Client {
	for _, cl := range b.Server.Clients.GetAll() {
		if cl.Net.Conn == conn {
			return cl
		}
	}
	return nil
}

// Disconnect sends cl a DISCONNECT with code (MQTT 5; a bare DISCONNECT to
// 3.1.1 clients) and closes its connection.
func (b *Broker) Disconnect(cl *mqtt.Client, code packets.Code) {
	_ = b.Server.DisconnectClient(cl, code)
}

// netListener is a TCP (optionally TLS) listener that applies the CONNECT
// timeout and the panic guard to every connection.
type netListener struct {
	b         *Broker
	id, addr  string
	proto     string
	tlsConfig *tls.Config
	ln        net.Listener
	gate      connGate
	closeOnce sync.Once
	done      chan struct{}
}

func (l *netListener) ID() string       { return l.id }
func (l *netListener) Protocol() string { return l.proto }

func (l *netListener) Address() string {
	if l.ln != nil {
		return l.ln.Addr().String()
	}
	return l.addr
}

func (l *netListener) Init(*slog.Logger) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return err
	}
	if l.tlsConfig != nil {
		ln = tls.NewListener(ln, l.tlsConfig)
	}
	l.ln = ln
	l.done = make(chan struct{})
	return nil
}

func (l *netListener) Serve(establish listeners.EstablishFn) {
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return
		}
		go l.gate.run(conn, func() { l.b.establish(l.id, conn, establish) })
	}
}

func (l *netListener) Close(closeClients listeners.CloseFn) {
	l.closeOnce.Do(func() {
		close(l.done)
		l.ln.Close()
		closeClients(l.id)
		l.gate.close()
	})
}
