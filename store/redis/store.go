package redis

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/parleychat/parley/model"
	goredis "github.com/redis/go-redis/v9"
)

var _ model.Store = (*Store)(nil)

// Options configures Open. The zero value of every field but Client.Addrs
// gives the default documented on it.
type Options struct {
	// Client says how to reach Redis, following go-redis's universal client:
	// one address is a single Redis, MasterName set means Sentinel (Addrs
	// are the sentinels), two or more addresses (or IsClusterMode) mean a
	// Redis Cluster. Zero timeouts and retries get Parley's defaults (see
	// Defaults); go-redis's own defaults changed between releases.
	Client goredis.UniversalOptions
	// Prefix starts every key Parley writes, so that several installations
	// (or tests) share one Redis. Default "parley:". It must not contain
	// '{' or '}' (hash tags follow it).
	Prefix string
	// OpTTL is how long the idempotency record of an update or delete is
	// kept: longer than go-redis may take to re-send a command whose reply
	// was lost. Default one minute.
	OpTTL time.Duration
	// MaxAttempts bounds the optimistic retries of one Update call whose
	// record keeps changing under it. Default 100.
	MaxAttempts int
}

// Defaults of Options and of the go-redis options Parley sets where the
// caller sets none. The client's bounds are tight on purpose: a call made
// while Redis is down or unreachable fails (REST answers 503) within a few
// seconds rather than hanging on go-redis's longer defaults and retries.
const (
	DefaultPrefix          = "parley:"
	DefaultOpTTL           = time.Minute
	DefaultMaxAttempts     = 100
	DefaultMaxRetries      = 2
	DefaultMinRetryBackoff = 8 * time.Millisecond
	DefaultMaxRetryBackoff = 256 * time.Millisecond
	DefaultDialTimeout     = time.Second
	DefaultDialerRetries   = 2
	DefaultReadTimeout     = 2 * time.Second
)

// Store is the Redis store. It is safe for concurrent use.
type Store struct {
	c           goredis.UniversalClient
	prefix      string
	opTTL       int64 // milliseconds
	maxAttempts int
	closed      atomic.Bool
	sc          map[string]*goredis.Script
}

// Open connects to Redis as opts say, checks that it answers and loads the
// scripts.
func Open(ctx context.Context, opts Options) (*Store, error) {
	co := opts.Client
	if co.MaxRetries == 0 {
		co.MaxRetries = DefaultMaxRetries
	}
	if co.MinRetryBackoff == 0 {
		co.MinRetryBackoff = DefaultMinRetryBackoff
	}
	if co.MaxRetryBackoff == 0 {
		co.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	if co.DialTimeout == 0 {
		co.DialTimeout = DefaultDialTimeout
	}
	if co.DialerRetries == 0 {
		co.DialerRetries = DefaultDialerRetries
	}
	if co.ReadTimeout == 0 {
		co.ReadTimeout = DefaultReadTimeout
	}
	if co.WriteTimeout == 0 {
		co.WriteTimeout = co.ReadTimeout
	}
	if len(co.Addrs) == 0 {
		return nil, errors.New("redis store: no address")
	}
	s, err := New(goredis.NewUniversalClient(&co), opts)
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// New makes a Store on a client the caller built (opts.Client is ignored).
// Close closes the client.
func New(c goredis.UniversalClient, opts Options) (*Store, error) {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redis store: prefix %q contains a brace", opts.Prefix)
	}
	if opts.OpTTL <= 0 {
		opts.OpTTL = DefaultOpTTL
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	sc, err := loadScripts()
	if err != nil {
		return nil, err
	}
	return &Store{c: c, prefix: opts.Prefix, opTTL: opts.OpTTL.Milliseconds(), maxAttempts: opts.MaxAttempts, sc: sc}, nil
}

// Client returns the go-redis client (for the event bus and for tests).
func (s *Store) Client() goredis.UniversalClient { return s.c }

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Ping checks that Redis answers, and loads the scripts (on every node of
// a cluster), so that the first calls need no fallback to EVAL.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return s.fail(err)
	}
	for _, sc := range s.sc {
		if err := sc.Load(ctx, s.c).Err(); err != nil {
			return s.fail(err)
		}
	}
	return nil
}

// Close closes the client. In-flight calls get their answers or a
// KindUnavailable error; later calls get KindUnavailable.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return errClosed()
	}
	return s.c.Close()
}

//go:embed lua/*.lua
var luaFS embed.FS

// loadScripts reads the embedded scripts, each prefixed with lua/lib.lua.
func loadScripts() (map[string]*goredis.Script, error) {
	lib, err := luaFS.ReadFile("lua/lib.lua")
	if err != nil {
		return nil, err
	}
	entries, err := luaFS.ReadDir("lua")
	if err != nil {
		return nil, err
	}
	out := map[string]*goredis.Script{}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".lua")
		if name == "lib" {
			continue
		}
		body, err := luaFS.ReadFile("lua/" + e.Name())
		if err != nil {
			return nil, err
		}
		out[name] = goredis.NewScript(string(lib) + string(body))
	}
	return out, nil
}

// ---- keys ----

// tag makes a SID safe inside a hash tag: a SID holding a brace (never a
// real one) is hex-encoded, so that it cannot reach another slot's keys.
func tag(sid string) string {
	if strings.ContainsAny(sid, "{}") {
		return "!" + hex.EncodeToString([]byte(sid))
	}
	return sid
}

// gk is a key of the global slot (account, keys, credentials, services).
func (s *Store) gk(name string) string { return s.prefix + "{g}:" + name }

// sk is a key of a service's slot.
func (s *Store) sk(svc, name string) string { return s.prefix + "{" + tag(svc) + "}:" + name }

// ck is a key of a channel's slot.
func (s *Store) ck(ch, name string) string { return s.prefix + "{" + tag(ch) + "}:" + name }

// op returns a fresh idempotency key in the slot of key k (a key made by
// sk or ck): one per attempt of a write, so that go-redis re-sending the
// same command finds the first run's result.
func (s *Store) op(slotKey string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	i := strings.IndexByte(slotKey, '}')
	return slotKey[:i+1] + ":op:" + hex.EncodeToString(b[:])
}

// Service slot keys.
const (
	kSvc       = "svc"  // hash: v -> Service json
	kRoles     = "r"    // hash: role SID -> json
	kRolesZ    = "rz"   // zset of role SIDs
	kUsers     = "u"    // hash: user SID -> json (JoinedChannelsCount 0)
	kCounts    = "un"   // hash: user SID -> JoinedChannelsCount
	kUsersZ    = "uz"   // zset of user SIDs
	kIdentity  = "ui"   // hash: identity -> user SID
	kUserCh    = "um"   // hash: "US|CH" -> member SID ("~MB" while reserved)
	kUserChZ   = "umz"  // zset of "US|CH"
	kIdInv     = "iim"  // hash: "<hex identity>|CH" -> invite SID
	kIdInvZ    = "iiz"  // zset of "<hex identity>|CH"
	kBindings  = "b"    // hash: binding SID -> json
	kBindingsZ = "bz"   // zset of binding SIDs
	kUserBindZ = "ubz"  // zset of "US|BS"
	kChannelsZ = "cz"   // zset of channel SIDs
	kNames     = "cn"   // hash: unique name -> channel SID
	kPending   = "pend" // hash: user SID -> work left by a DeleteUser
	kTomb      = "tomb" // string: channels left by a DeleteService
)

// Channel slot keys.
const (
	kChan      = "c"  // hash: v, svc, mems, msgs, next, seq, lsid, lidx, ldate
	kMsgs      = "m"  // hash: index -> "seq json"
	kMsgsZ     = "mz" // zset: index (score) -> index
	kMsgSID    = "ms" // hash: message SID -> index
	kMsgCID    = "mc" // hash: client message ID -> index
	kMembers   = "b"  // hash: member SID -> "seq json"
	kMembersZ  = "bz" // zset of member SIDs
	kMemberID  = "bi" // hash: identity -> member SID
	kInvites   = "i"  // hash: invite SID -> json
	kInvitesZ  = "iz" // zset of invite SIDs
	kInviteID  = "ii" // hash: identity -> invite SID
	kWebhooks  = "w"  // hash: webhook SID -> json
	kWebhooksZ = "wz" // zset of webhook SIDs
)

// Global slot keys.
const (
	kAccount  = "acct" // string: Account json
	kKeys     = "k"    // hash: key SID -> json
	kKeysZ    = "kz"
	kCreds    = "cr" // hash: credential SID -> json
	kCredsZ   = "crz"
	kServices = "svcz" // zset of service SIDs
)

// serviceKeys are the keys of a service's slot that DeleteService clears
// (all but the tombstone).
var serviceKeys = []string{kSvc, kTomb, kChannelsZ, kRoles, kRolesZ, kUsers, kCounts, kUsersZ, kIdentity,
	kUserCh, kUserChZ, kIdInv, kIdInvZ, kBindings, kBindingsZ, kUserBindZ, kNames, kPending}

// channelKeys are the keys of a channel's slot, in the order channel_delete
// expects (channel, members, invite identity index, then the rest).
var channelKeys = []string{kChan, kMembers, kInviteID, kMsgs, kMsgsZ, kMsgSID, kMsgCID, kMembersZ, kMemberID,
	kInvites, kInvitesZ, kWebhooks, kWebhooksZ}

func (s *Store) chanKeys(ch string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = s.ck(ch, n)
	}
	return out
}

func (s *Store) svcKeys(svc string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = s.sk(svc, n)
	}
	return out
}

// ---- running scripts and errors ----

// begin checks a call may start.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return errClosed()
	}
	return nil
}

// wctx is the context of a write once it has started: the caller's
// cancellation no longer applies (go-redis's timeouts still do), so that a
// write Redis applied is never reported failed because the caller left, and
// so that the later steps of a multi-slot write run.
func wctx(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// run runs a script. A nil reply gives (nil, nil).
func (s *Store) run(ctx context.Context, name string, keys []string, args ...any) (any, error) {
	sc, ok := s.sc[name]
	if !ok {
		panic("redis store: no script " + name)
	}
	res, err := sc.Run(ctx, s.c, keys, args...).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail(err)
	}
	return res, nil
}

// runList runs a script that answers an array and returns it with its first
// element (the status) as a string.
func (s *Store) runList(ctx context.Context, name string, keys []string, args ...any) (string, []any, error) {
	res, err := s.run(ctx, name, keys, args...)
	if err != nil {
		return "", nil, err
	}
	l, ok := res.([]any)
	if !ok || len(l) == 0 {
		return "", nil, fmt.Errorf("redis store: %s: unexpected reply %v", name, res)
	}
	return str(l[0]), l, nil
}

// runStr runs a script that answers a string.
func (s *Store) runStr(ctx context.Context, name string, keys []string, args ...any) (string, error) {
	res, err := s.run(ctx, name, keys, args...)
	if err != nil {
		return "", err
	}
	return str(res), nil
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, x := range l {
		out[i] = str(x)
	}
	return out
}

func errClosed() error {
	return &model.Error{Kind: model.KindUnavailable, Code: model.CodeUnavailable, Message: "The store is closed"}
}

func errUnavailable() error {
	return &model.Error{Kind: model.KindUnavailable, Code: model.CodeUnavailable, Message: "The store is unavailable"}
}

func notFound() error { return model.ErrNotFound }

func errExists() error {
	return model.Errorf(model.KindConflict, model.CodeInvalidParam, "A resource with this SID already exists")
}

// errUnavailableCause is a KindUnavailable error that keeps its cause for
// logs (errors.Unwrap) while callers see the model error.
type errUnavailableCause struct {
	err   *model.Error
	cause error
}

func (e errUnavailableCause) Error() string   { return e.err.Error() + ": " + e.cause.Error() }
func (e errUnavailableCause) Unwrap() []error { return []error{e.err, e.cause} }

// fail maps a go-redis error: context errors pass as they are, a closed
// client or a connection, timeout or failover error is KindUnavailable,
// anything else (a script error: a bug) is internal.
func (s *Store) fail(err error) error {
	if err == nil {
		return nil
	}
	var me *model.Error
	if errors.As(err, &me) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, goredis.ErrClosed) {
		if s.closed.Load() {
			return errClosed()
		}
		return errUnavailableCause{errUnavailable().(*model.Error), err}
	}
	var ne net.Error
	msg := err.Error()
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, goredis.ErrPoolTimeout) || errors.Is(err, goredis.ErrPoolExhausted) ||
		strings.HasPrefix(msg, "LOADING") || strings.HasPrefix(msg, "CLUSTERDOWN") || strings.HasPrefix(msg, "MASTERDOWN") ||
		strings.HasPrefix(msg, "READONLY") || strings.HasPrefix(msg, "TRYAGAIN") || strings.HasPrefix(msg, "BUSY") ||
		strings.HasPrefix(msg, "NOREPLICAS") || strings.HasPrefix(msg, "OOM") {
		return errUnavailableCause{errUnavailable().(*model.Error), err}
	}
	return fmt.Errorf("redis store: %w", err)
}
