package main

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parleychat/parley/broker"
	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/hooks"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/restapi"
	"github.com/parleychat/parley/store/embedded"
	"github.com/parleychat/parley/store/redis"
	goredis "github.com/redis/go-redis/v9"
)

// serveConfig is everything `parley serve` can be told.
type serveConfig struct {
	Listen     string
	DataDir    string
	AccountSID string
	AuthToken  string
	PublicURL  string
	SecretKey  string
	LogLevel   string
	LogFormat  string
	MaxBody    int64
	// MQTT (docs/operations.md). An empty MQTTListen serves no plain TCP
	// MQTT; WebSocket MQTT is always served at /mqtt on the REST port.
	MQTTListen         string
	MQTTTLSListen      string
	MQTTTLSCert        string
	MQTTTLSKey         string
	MQTTWSOrigins      string
	MQTTConnectTimeout time.Duration
	TokenWarning       time.Duration
	// MQTTStallTimeout disconnects a connection that has been dropping
	// deliveries this long (0: the hooks' default; negative: never).
	MQTTStallTimeout time.Duration
	// Redis, when set, is the redis:// or rediss:// URL of the Redis that
	// holds the state instead of the embedded store (docs/operations.md,
	// "Redis"); RedisPrefix starts every key Parley writes there.
	Redis       string
	RedisPrefix string
}

// env returns the environment variable's value, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// serveFlags declares serve's flags on fs, each defaulting to its PARLEY_*
// environment variable when set.
func serveFlags(fs *flag.FlagSet, c *serveConfig) {
	fs.StringVar(&c.Listen, "listen", env("PARLEY_LISTEN", "127.0.0.1:8080"), "`address` of the REST API (env PARLEY_LISTEN)")
	dataDirFlag(fs, &c.DataDir)
	fs.StringVar(&c.AccountSID, "account-sid", env("PARLEY_ACCOUNT_SID", ""), "root account `SID` (AC...); generated on first start when empty (env PARLEY_ACCOUNT_SID)")
	fs.StringVar(&c.AuthToken, "auth-token", env("PARLEY_AUTH_TOKEN", ""), "root auth `token`, letters and digits, at least 16; generated with the SID when empty (env PARLEY_AUTH_TOKEN)")
	fs.StringVar(&c.PublicURL, "public-url", env("PARLEY_PUBLIC_URL", ""), "absolute base `URL` used in response links, e.g. https://chat.example.com; empty derives it from each request's Host (env PARLEY_PUBLIC_URL)")
	secretKeyFlag(fs, &c.SecretKey)
	fs.StringVar(&c.LogLevel, "log-level", env("PARLEY_LOG_LEVEL", "info"), "log `level`: debug, info, warn or error (env PARLEY_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("PARLEY_LOG_FORMAT", "text"), "log `format`: text or json (env PARLEY_LOG_FORMAT)")
	fs.Int64Var(&c.MaxBody, "max-body", 1<<20, "maximum REST request body in `bytes`")
	fs.StringVar(&c.MQTTListen, "mqtt-listen", env("PARLEY_MQTT_LISTEN", "127.0.0.1:1883"), "`address` of MQTT over TCP; empty disables it (env PARLEY_MQTT_LISTEN)")
	fs.StringVar(&c.MQTTTLSListen, "mqtt-tls-listen", env("PARLEY_MQTT_TLS_LISTEN", "127.0.0.1:8883"), "`address` of MQTT over TLS, served when --mqtt-tls-cert and --mqtt-tls-key are given (env PARLEY_MQTT_TLS_LISTEN)")
	fs.StringVar(&c.MQTTTLSCert, "mqtt-tls-cert", env("PARLEY_MQTT_TLS_CERT", ""), "PEM certificate `file` of MQTT over TLS (env PARLEY_MQTT_TLS_CERT)")
	fs.StringVar(&c.MQTTTLSKey, "mqtt-tls-key", env("PARLEY_MQTT_TLS_KEY", ""), "PEM private key `file` of MQTT over TLS (env PARLEY_MQTT_TLS_KEY)")
	fs.StringVar(&c.MQTTWSOrigins, "mqtt-ws-origins", env("PARLEY_MQTT_WS_ORIGINS", ""), "comma-separated `origins` (https://app.example.com) allowed to open MQTT over WebSocket at /mqtt; empty allows the REST host itself and clients that send no Origin (env PARLEY_MQTT_WS_ORIGINS)")
	fs.DurationVar(&c.MQTTConnectTimeout, "mqtt-connect-timeout", envDuration("PARLEY_MQTT_CONNECT_TIMEOUT", broker.DefaultConnectTimeout), "close MQTT connections that send no CONNECT within this `duration` (env PARLEY_MQTT_CONNECT_TIMEOUT)")
	fs.DurationVar(&c.MQTTStallTimeout, "mqtt-stall-timeout", envDuration("PARLEY_MQTT_STALL_TIMEOUT", hooks.DefaultStallTimeout), "disconnect (0x97) an MQTT connection that has not read its deliveries and has been losing them for this `duration`; negative never does (env PARLEY_MQTT_STALL_TIMEOUT)")
	fs.StringVar(&c.Redis, "redis", env("PARLEY_REDIS", ""), "`URL` of a Redis that holds the state instead of the embedded store in --data-dir, e.g. redis://:password@10.0.0.5:6379/0 (rediss:// for TLS; go-redis URL options such as ?dial_timeout=2s apply); several nodes on one Redis serve one installation. Requires --secret-key, the same on every node (env PARLEY_REDIS)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", env("PARLEY_REDIS_PREFIX", redis.DefaultPrefix), "`prefix` of every key Parley writes in Redis, so that several installations can share one Redis (env PARLEY_REDIS_PREFIX)")
	fs.DurationVar(&c.TokenWarning, "token-warning", envDuration("PARLEY_TOKEN_WARNING", hooks.DefaultTokenWarning), "send tokenAboutToExpire this `duration` before an MQTT connection's token expires (env PARLEY_TOKEN_WARNING)")
}

// envDuration returns the duration in the environment variable, or def
// when it is unset or not a duration.
func envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

func dataDirFlag(fs *flag.FlagSet, dir *string) {
	fs.StringVar(dir, "data-dir", env("PARLEY_DATA_DIR", "./data"), "`directory` of the embedded store and the secret key (env PARLEY_DATA_DIR)")
}

func secretKeyFlag(fs *flag.FlagSet, key *string) {
	fs.StringVar(key, "secret-key", env("PARLEY_SECRET_KEY", ""), "64 hex digits of the key that encrypts secrets at rest; empty reads or creates DATA-DIR/secret.key; required with --redis (env PARLEY_SECRET_KEY)")
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs := flag.NewFlagSet("parley serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: parley serve [flags]\n\nRuns Parley: the Twilio Chat v2 REST API and MQTT, on the embedded store\nin --data-dir, or on Redis with --redis (see docs/operations.md).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	serveFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	s, err := startServer(ctx, c, stdout, stderr)
	if err != nil {
		return err
	}
	<-ctx.Done()
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Close(sctx)
}

// server is a running Parley.
type server struct {
	core   *core.Core
	store  model.Store
	http   *http.Server
	ln     net.Listener
	log    *slog.Logger
	done   chan error
	broker *broker.Broker
	events *broker.Events
}

// startServer opens the store, wires the packages together and starts
// listening. It returns once the listener is bound (c.Listen may use port 0).
func startServer(ctx context.Context, c serveConfig, stdout, stderr io.Writer) (*server, error) {
	log, err := newLogger(c.LogLevel, c.LogFormat, stderr)
	if err != nil {
		return nil, err
	}
	b, err := newBroker(c, log)
	if err != nil {
		return nil, err
	}
	events := broker.NewEvents(b)
	presence := hooks.NewPresence()
	var st model.Store
	var cr *core.Core
	if c.Redis != "" {
		st, cr, err = openRedisCore(ctx, c, log, events, presence)
	} else {
		st, cr, err = openCoreEvents(c.DataDir, c.SecretKey, log, events, presence)
	}
	if err != nil {
		b.Close()
		events.Close()
		return nil, err
	}
	fail := func(err error) (*server, error) {
		b.Close()
		events.Close()
		st.Close()
		return nil, err
	}
	acct, generated, err := cr.EnsureAccount(ctx, c.AccountSID, c.AuthToken)
	if err != nil {
		return fail(err)
	}
	rpc := &hooks.RPC{Core: cr}
	hook, err := hooks.New(hooks.Config{Core: cr, Broker: b, Events: events, RPC: rpc,
		TokenWarning: c.TokenWarning, Logger: log.With("component", "hooks"), Presence: presence,
		StallTimeout: c.MQTTStallTimeout})
	if err != nil {
		return fail(err)
	}
	rpc.TypingStarted = hook.TypingStarted
	events.SetDirectory(hook.Directory())
	events.SetObserver(hook.Observe())
	b.SetAbortHandler(hook.Abandon)
	if err := b.AddHook(hook, nil); err != nil {
		return fail(err)
	}
	if err := b.Start(); err != nil {
		return fail(err)
	}
	if generated != "" {
		fmt.Fprintf(stdout, "Parley generated root credentials (shown once; keep them):\n  Account SID: %s\n  Auth token:  %s\n", acct.SID, generated)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fail(err)
	}
	api := restapi.New(restapi.Config{Core: cr, PublicURL: c.PublicURL, MaxBodyBytes: c.MaxBody, Logger: log})
	ws := b.WebSocketHandler()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == broker.WebSocketPath {
			ws.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
	s := &server{core: cr, store: st, ln: ln, log: log, done: make(chan error, 1), broker: b, events: events,
		http: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}}
	go func() { s.done <- s.http.Serve(ln) }()
	log.Info("parley listening", "rest", "http://"+ln.Addr().String(), "mqtt", b.TCPAddr(), "mqtt_tls", b.TLSAddr(),
		"mqtt_ws", "ws://"+ln.Addr().String()+broker.WebSocketPath, "store", storeName(c), "account_sid", acct.SID)
	return s, nil
}

// newBroker configures the MQTT broker from the serve flags.
func newBroker(c serveConfig, log *slog.Logger) (*broker.Broker, error) {
	bc := broker.Config{TCPAddr: c.MQTTListen, WebSocket: true, ConnectTimeout: c.MQTTConnectTimeout,
		Logger: log.With("component", "broker")}
	for _, o := range strings.Split(c.MQTTWSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			bc.WSOrigins = append(bc.WSOrigins, o)
		}
	}
	if (c.MQTTTLSCert == "") != (c.MQTTTLSKey == "") {
		return nil, errors.New("--mqtt-tls-cert and --mqtt-tls-key go together")
	}
	if c.MQTTTLSCert != "" && c.MQTTTLSListen != "" {
		cert, err := tls.LoadX509KeyPair(c.MQTTTLSCert, c.MQTTTLSKey)
		if err != nil {
			return nil, fmt.Errorf("MQTT TLS certificate: %w", err)
		}
		bc.TLSAddr = c.MQTTTLSListen
		bc.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return broker.New(bc)
}

// MQTTAddr returns the bound address of MQTT over TCP ("" when disabled).
func (s *server) MQTTAddr() string { return s.broker.TCPAddr() }

// MQTTTLSAddr returns the bound address of MQTT over TLS ("" when disabled).
func (s *server) MQTTTLSAddr() string { return s.broker.TLSAddr() }

// Addr returns the REST API's bound address.
func (s *server) Addr() string { return s.ln.Addr().String() }

// Close stops accepting requests, waits for those in flight (until ctx
// ends) and closes the store.
func (s *server) Close(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if berr := s.broker.Close(); berr != nil && err == nil {
		err = berr
	}
	s.events.Close()
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// openCore opens the embedded store in dataDir and a Core on it that
// discards events.
func openCore(dataDir, secretKey string, log *slog.Logger) (*embedded.Store, *core.Core, error) {
	return openCoreEvents(dataDir, secretKey, log, nil, nil)
}

// openCoreEvents opens the embedded store in dataDir and a Core on it that
// emits to events and asks presence who is online (both may be nil).
func openCoreEvents(dataDir, secretKey string, log *slog.Logger, events model.EventSink, presence core.Presence) (*embedded.Store, *core.Core, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, nil, err
	}
	key, err := loadSecretKey(dataDir, secretKey)
	if err != nil {
		return nil, nil, err
	}
	st, err := embedded.Open(filepath.Join(dataDir, "parley.db"), embedded.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("open store in %s: %w", dataDir, err)
	}
	cfg := core.Config{Store: st, SecretKey: key, Logger: log, Events: events}
	if presence != nil {
		cfg.Presence = presence
	}
	cr, err := core.New(cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, cr, nil
}

// storeName describes the store c selects, for the log.
func storeName(c serveConfig) string {
	if c.Redis == "" {
		return "embedded " + c.DataDir
	}
	if u, err := url.Parse(c.Redis); err == nil {
		return "redis " + u.Redacted()
	}
	return "redis"
}

// redisOpenTimeout bounds the first connection to Redis at start-up.
const redisOpenTimeout = 10 * time.Second

// redisOptions turns a redis:// or rediss:// URL (go-redis's ParseURL) into
// the store's options; store/redis fills in its time bounds where the URL
// sets none.
func redisOptions(rawURL, prefix string) (redis.Options, error) {
	o, err := goredis.ParseURL(rawURL)
	if err != nil {
		return redis.Options{}, fmt.Errorf("bad --redis URL: %w", err)
	}
	if o.Network != "tcp" {
		return redis.Options{}, errors.New("bad --redis URL: want redis:// or rediss://")
	}
	u := goredis.UniversalOptions{Addrs: []string{o.Addr}, ClientName: o.ClientName, DB: o.DB, Protocol: o.Protocol,
		Username: o.Username, Password: o.Password, MaxRetries: o.MaxRetries, MinRetryBackoff: o.MinRetryBackoff,
		MaxRetryBackoff: o.MaxRetryBackoff, DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout,
		WriteTimeout: o.WriteTimeout, PoolFIFO: o.PoolFIFO, PoolSize: o.PoolSize, PoolTimeout: o.PoolTimeout,
		MinIdleConns: o.MinIdleConns, MaxIdleConns: o.MaxIdleConns, MaxActiveConns: o.MaxActiveConns,
		ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime, TLSConfig: o.TLSConfig,
	}
	return redis.Options{Client: u, Prefix: prefix}, nil
}

// openRedisCore opens the Redis store c.Redis names and a Core on it that
// emits to events and asks presence who is online. The secret key must be
// given (c.SecretKey): every node on the Redis needs the same one, so none
// may generate its own.
func openRedisCore(ctx context.Context, c serveConfig, log *slog.Logger, events model.EventSink, presence core.Presence) (*redis.Store, *core.Core, error) {
	if c.SecretKey == "" {
		return nil, nil, errors.New("--redis needs --secret-key (env PARLEY_SECRET_KEY): 64 hex digits, the same on every node sharing the Redis")
	}
	key, err := loadSecretKey("", c.SecretKey)
	if err != nil {
		return nil, nil, err
	}
	opts, err := redisOptions(c.Redis, c.RedisPrefix)
	if err != nil {
		return nil, nil, err
	}
	octx, cancel := context.WithTimeout(ctx, redisOpenTimeout)
	defer cancel()
	st, err := redis.Open(octx, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("open Redis store: %w", err)
	}
	cfg := core.Config{Store: st, SecretKey: key, Logger: log, Events: events}
	if presence != nil {
		cfg.Presence = presence
	}
	cr, err := core.New(cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, cr, nil
}

// loadSecretKey returns the secret key: from hexKey when given, else from
// dataDir/secret.key, created with a random key (mode 0600) when missing.
func loadSecretKey(dataDir, hexKey string) ([]byte, error) {
	if hexKey == "" {
		path := filepath.Join(dataDir, "secret.key")
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			hexKey = strings.TrimSpace(string(b))
		case errors.Is(err, os.ErrNotExist):
			hexKey = model.NewSecret(32)
			if err := os.WriteFile(path, []byte(hexKey+"\n"), 0o600); err != nil {
				return nil, err
			}
		default:
			return nil, err
		}
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) != 32 {
		return nil, errors.New("secret key must be 64 hex digits")
	}
	return key, nil
}

func newLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad --log-level %q", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("bad --log-format %q: want text or json", format)
}
