package broker

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// maxOriginLength bounds the Origin header: a longer one is refused rather
// than treated as absent.
const maxOriginLength = 512

// wsListener serves MQTT over WebSocket from an http.Handler mounted on the
// REST router (mochi's own WebSocket listener runs its own http.Server on
// every path and accepts every Origin).
type wsListener struct {
	b        *Broker
	upgrader websocket.Upgrader

	mu        sync.RWMutex
	establish listeners.EstablishFn
	done      chan struct{}
	closeOnce sync.Once
	gate      connGate
}

func newWSListener(b *Broker) *wsListener {
	l := &wsListener{b: b, done: make(chan struct{})}
	l.upgrader = websocket.Upgrader{
		HandshakeTimeout: webSocketHandshakeTimeout,
		Subprotocols:     []string{webSocketSubprotocol},
		CheckOrigin:      l.checkOrigin,
		ReadBufferSize:   2048,
		WriteBufferSize:  2048,
	}
	return l
}

func (l *wsListener) ID() string              { return listenerWS }
func (l *wsListener) Protocol() string        { return "ws" }
func (l *wsListener) Address() string         { return WebSocketPath }
func (l *wsListener) Init(*slog.Logger) error { return nil }

func (l *wsListener) Serve(establish listeners.EstablishFn) {
	l.mu.Lock()
	l.establish = establish
	l.mu.Unlock()
	<-l.done
}

func (l *wsListener) Close(closeClients listeners.CloseFn) {
	l.closeOnce.Do(func() {
		close(l.done)
		l.mu.Lock()
		l.establish = nil
		l.mu.Unlock()
		closeClients(l.ID())
		l.gate.close()
	})
}

// checkOrigin allows requests without an Origin (non-browser clients; an
// Origin is never authentication), origins on the allow-list, and, with an
// empty list, origins naming the request's own host.
func (l *wsListener) checkOrigin(r *http.Request) bool {
	origins := r.Header.Values("Origin")
	if len(origins) == 0 {
		return true
	}
	if len(origins) > 1 || len(origins[0]) > maxOriginLength {
		return false
	}
	o := origins[0]
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if len(l.b.cfg.WSOrigins) > 0 {
		return slices.ContainsFunc(l.b.cfg.WSOrigins, func(a string) bool {
			return strings.EqualFold(strings.TrimSuffix(a, "/"), o)
		})
	}
	return strings.EqualFold(u.Host, r.Host)
}

// ServeHTTP upgrades the request and runs the MQTT session on it until it
// ends.
func (l *wsListener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.RLock()
	establish := l.establish
	l.mu.RUnlock()
	if establish == nil {
		http.Error(w, "MQTT over WebSocket is not available", http.StatusServiceUnavailable)
		return
	}
	if !slices.Contains(websocket.Subprotocols(r), webSocketSubprotocol) {
		http.Error(w, "WebSocket subprotocol mqtt required", http.StatusBadRequest)
		return
	}
	ws, err := l.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	ws.SetReadLimit(int64(l.b.cfg.MaxPacketSize) + webSocketReadLimitHeadroom)
	conn := &wsConn{ws: ws, Conn: ws.UnderlyingConn()}
	l.gate.run(conn, func() { l.b.establish(l.ID(), conn, establish) })
}

// wsConn adapts a WebSocket to the byte stream mochi reads: binary messages
// are concatenated; each write is one binary message. Deadlines, addresses
// and Close go to the underlying connection.
type wsConn struct {
	net.Conn
	ws *websocket.Conn
	r  io.Reader
	wm sync.Mutex
	// wdl is the write deadline: gorilla's SetWriteDeadline may not run
	// concurrently with a write, so Write applies it under wm.
	wdl atomic.Pointer[time.Time]
}

var errTextFrame = errors.New("broker: MQTT over WebSocket needs binary messages")

func (c *wsConn) Read(p []byte) (int, error) {
	for {
		if c.r == nil {
			typ, r, err := c.ws.NextReader()
			if err != nil {
				return 0, err
			}
			if typ != websocket.BinaryMessage {
				return 0, errTextFrame
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if errors.Is(err, io.EOF) {
			c.r = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (c *wsConn) Write(p []byte) (int, error) {
	c.wm.Lock()
	defer c.wm.Unlock()
	var dl time.Time
	if p := c.wdl.Load(); p != nil {
		dl = *p
	}
	if err := c.ws.SetWriteDeadline(dl); err != nil {
		return 0, err
	}
	if err := c.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *wsConn) Close() error { return c.ws.Close() }

func (c *wsConn) SetDeadline(t time.Time) error {
	c.wdl.Store(&t)
	return c.ws.SetReadDeadline(t)
}

func (c *wsConn) SetReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }

func (c *wsConn) SetWriteDeadline(t time.Time) error {
	c.wdl.Store(&t)
	return nil
}
