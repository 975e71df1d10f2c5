package token

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/model"
	twjwt "github.com/twilio/twilio-go/client/jwt"
)

const (
	acct1   = "AC00000000000000000000000000000001"
	acct2   = "AC00000000000000000000000000000002"
	key1    = "SK00000000000000000000000000000001"
	key2    = "SK00000000000000000000000000000002"
	keyGone = "SK0000000000000000000000000000dead"
	keyDown = "SK0000000000000000000000000000d0d0"
	secret1 = "secret-one-0123456789abcdef012345"
	secret2 = "secret-two-0123456789abcdef012345"
	service = "IS00000000000000000000000000000001"
	role    = "RL00000000000000000000000000000001"
	cred    = "CR00000000000000000000000000000001"
)

// secrets is the key store behind lookup: key SID -> account, secret.
var secrets = map[string][2]string{
	key1: {acct1, secret1},
	key2: {acct2, secret2},
}

func lookup(_ context.Context, sid string) (string, []byte, error) {
	if sid == keyDown {
		return "", nil, model.Errorf(model.KindUnavailable, model.CodeUnavailable, "store down")
	}
	k, ok := secrets[sid]
	if !ok {
		return "", nil, model.Errorf(model.KindNotFound, model.CodeNotFound, "no such key")
	}
	return k[0], []byte(k[1]), nil
}

func verifierAt(now time.Time) *Verifier {
	return &Verifier{Lookup: lookup, Now: func() time.Time { return now }}
}

// Hand-crafted tokens.

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64JSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64(b)
}

func hs256(secret string) func(string) string {
	return func(in string) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(in))
		return b64(m.Sum(nil))
	}
}

func hs512(secret string) func(string) string {
	return func(in string) string {
		m := hmac.New(sha512.New, []byte(secret))
		m.Write([]byte(in))
		return b64(m.Sum(nil))
	}
}

func noSig(string) string { return "" }

// craft encodes header and payload and signs them with sign.
func craft(t testing.TB, header, payload any, sign func(string) string) string {
	in := b64JSON(t, header) + "." + b64JSON(t, payload)
	return in + "." + sign(in)
}

func stdHeader() map[string]any {
	return map[string]any{"typ": "JWT", "alg": "HS256", "cty": ContentType}
}

func stdPayload(now time.Time) map[string]any {
	n := now.Unix()
	return map[string]any{
		"jti": key1 + "-" + "1",
		"iss": key1,
		"sub": acct1,
		"nbf": n - 10,
		"exp": n + 3600,
		"grants": map[string]any{
			"identity": "alice",
			"chat":     map[string]any{"service_sid": service},
		},
	}
}

// with returns a copy of stdPayload(now) changed by fn.
func with(now time.Time, fn func(p, grants map[string]any)) map[string]any {
	p := stdPayload(now)
	fn(p, p["grants"].(map[string]any))
	return p
}

func mustMint(t testing.TB, p Params) string {
	t.Helper()
	s, err := Mint(p)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return s
}

func stdParams(now time.Time) Params {
	return Params{
		AccountSID: acct1, KeySID: key1, Secret: secret1, Identity: "alice",
		Chat: ChatGrant{ServiceSID: service, EndpointID: "app:alice:dev1", DeploymentRoleSID: role, PushCredentialSID: cred},
		Now:  now,
	}
}

func segments(s string) []string { return strings.Split(s, ".") }

type rejectCase struct {
	name string
	tok  string
	kind model.Kind
	code int
}

// rejections are tokens Verify must refuse at now, each with its code.
func rejections(t testing.TB, now time.Time) []rejectCase {
	n := now.Unix()
	valid := mustMint(t, stdParams(now))
	seg := segments(valid)

	tamperedPayload := seg[0] + "." + b64JSON(t, with(now, func(_, g map[string]any) { g["identity"] = "mallory" })) + "." + seg[2]
	sig := []byte(seg[2])
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	tamperedSig := seg[0] + "." + seg[1] + "." + string(sig)
	// A header that differs from the signed one.
	tamperedHeader := b64JSON(t, map[string]any{"alg": "HS256", "cty": ContentType, "typ": "JWT", "twr": "ie1"}) + "." + seg[1] + "." + seg[2]

	unauth := model.KindUnauthenticated
	cases := []rejectCase{
		{"empty string", "", unauth, CodeMalformed},
		{"garbage", "not a token", unauth, CodeMalformed},
		{"three garbage segments", "a.b.c", unauth, CodeMalformed},
		{"two segments", seg[0] + "." + seg[1], unauth, CodeMalformed},
		{"four segments", valid + ".x", unauth, CodeMalformed},
		{"padded base64", seg[0] + "=." + seg[1] + "." + seg[2], unauth, CodeMalformed},
		{"std base64 signature", seg[0] + "." + seg[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(seg[2]) + "+", unauth, CodeMalformed},
		{"payload not an object", craft(t, stdHeader(), []int{1}, hs256(secret1)), unauth, CodeMalformed},
		{"payload null", craft(t, stdHeader(), nil, hs256(secret1)), unauth, CodeMalformed},
		{"header not JSON", b64([]byte("{alg")) + "." + seg[1] + "." + seg[2], unauth, CodeMalformed},
		{"too long", strings.Repeat("a", MaxTokenLength) + "." + seg[1] + "." + seg[2], unauth, CodeMalformed},
		{"alg none", craft(t, map[string]any{"typ": "JWT", "alg": "none", "cty": ContentType}, stdPayload(now), noSig), unauth, CodeMalformed},
		{"alg none with signature", craft(t, map[string]any{"typ": "JWT", "alg": "none", "cty": ContentType}, stdPayload(now), hs256(secret1)), unauth, CodeMalformed},
		{"alg HS512", craft(t, map[string]any{"typ": "JWT", "alg": "HS512", "cty": ContentType}, stdPayload(now), hs512(secret1)), unauth, CodeMalformed},
		{"alg RS256", craft(t, map[string]any{"typ": "JWT", "alg": "RS256", "cty": ContentType}, stdPayload(now), hs256(secret1)), unauth, CodeMalformed},
		{"alg lower case", craft(t, map[string]any{"typ": "JWT", "alg": "hs256", "cty": ContentType}, stdPayload(now), hs256(secret1)), unauth, CodeMalformed},
		{"alg missing", craft(t, map[string]any{"typ": "JWT", "cty": ContentType}, stdPayload(now), hs256(secret1)), unauth, CodeMalformed},
		{"wrong cty", craft(t, map[string]any{"typ": "JWT", "alg": "HS256", "cty": "JWT"}, stdPayload(now), hs256(secret1)), unauth, CodeMalformed},
		{"missing cty", craft(t, map[string]any{"typ": "JWT", "alg": "HS256"}, stdPayload(now), hs256(secret1)), unauth, CodeMalformed},
		{"jti not a string", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["jti"] = 7 }), hs256(secret1)), unauth, CodeMalformed},

		{"unknown key", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["iss"] = keyGone }), hs256(secret1)), unauth, CodeInvalidIssuer},
		{"account mismatch", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["sub"] = acct2 }), hs256(secret1)), unauth, CodeInvalidIssuer},
		{"missing iss", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { delete(p, "iss") }), hs256(secret1)), unauth, CodeInvalidIssuer},
		{"missing sub", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { delete(p, "sub") }), hs256(secret1)), unauth, CodeInvalidIssuer},
		{"iss not a string", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["iss"] = 1 }), hs256(secret1)), unauth, CodeInvalidIssuer},
		{"key store down", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["iss"] = keyDown }), hs256(secret1)), model.KindUnavailable, model.CodeUnavailable},

		{"tampered payload", tamperedPayload, unauth, CodeInvalidSignature},
		{"tampered signature", tamperedSig, unauth, CodeInvalidSignature},
		{"tampered header", tamperedHeader, unauth, CodeInvalidSignature},
		{"wrong key secret", craft(t, stdHeader(), stdPayload(now), hs256(secret2)), unauth, CodeInvalidSignature},
		{"other key of other account", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["iss"] = key2 }), hs256(secret1)), unauth, CodeInvalidIssuer},
		{"empty signature", craft(t, stdHeader(), stdPayload(now), noSig), unauth, CodeInvalidSignature},
		{"truncated signature", valid[:len(valid)-3], unauth, CodeInvalidSignature},

		{"expired", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = n - 3600; p["exp"] = n - 1 }), hs256(secret1)), unauth, CodeExpired},
		{"exp equals now", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = n - 3600; p["exp"] = n }), hs256(secret1)), unauth, CodeExpired},
		{"missing exp", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { delete(p, "exp") }), hs256(secret1)), unauth, CodeExpired},
		{"exp as string", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["exp"] = "99999999999" }), hs256(secret1)), unauth, CodeExpired},
		{"exp huge", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["exp"] = 1e300 }), hs256(secret1)), unauth, CodeExpired},
		{"expired legacy token", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = n - 7200; p["exp"] = n - 3600 }), hs256(secret1)), unauth, CodeExpired},

		{"not yet valid", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = n + 60 }), hs256(secret1)), unauth, CodeNotYetValid},
		{"nbf as string", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = "1" }), hs256(secret1)), unauth, CodeNotYetValid},
		{"nbf negative", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = -1 }), hs256(secret1)), unauth, CodeNotYetValid},

		{"lifetime over 24h", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = n - 10; p["exp"] = n - 10 + 86401 }), hs256(secret1)), unauth, CodeTTLTooLong},
		{"lifetime over 24h without nbf", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { delete(p, "nbf"); p["exp"] = n + 86401 }), hs256(secret1)), unauth, CodeTTLTooLong},

		{"missing identity", craft(t, stdHeader(), with(now, func(_, g map[string]any) { delete(g, "identity") }), hs256(secret1)), unauth, CodeInvalidGrants},
		{"empty identity", craft(t, stdHeader(), with(now, func(_, g map[string]any) { g["identity"] = "" }), hs256(secret1)), unauth, CodeInvalidGrants},
		{"identity not a string", craft(t, stdHeader(), with(now, func(_, g map[string]any) { g["identity"] = 42 }), hs256(secret1)), unauth, CodeInvalidGrants},
		{"missing chat grant", craft(t, stdHeader(), with(now, func(_, g map[string]any) {
			delete(g, "chat")
			g["video"] = map[string]any{"room": "r"}
		}), hs256(secret1)), unauth, CodeInvalidGrants},
		{"chat grant without service_sid", craft(t, stdHeader(), with(now, func(_, g map[string]any) { g["chat"] = map[string]any{"endpoint_id": "e"} }), hs256(secret1)), unauth, CodeInvalidGrants},
		{"chat grant not an object", craft(t, stdHeader(), with(now, func(_, g map[string]any) { g["chat"] = service }), hs256(secret1)), unauth, CodeInvalidGrants},
		{"chat field not a string", craft(t, stdHeader(), with(now, func(_, g map[string]any) { g["chat"] = map[string]any{"service_sid": service, "endpoint_id": 5} }), hs256(secret1)), unauth, CodeInvalidGrants},
		{"missing grants", craft(t, stdHeader(), with(now, func(p, _ map[string]any) { delete(p, "grants") }), hs256(secret1)), unauth, CodeInvalidGrants},
	}
	return cases
}

func TestVerifyRejects(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	v := verifierAt(now)
	for _, tc := range rejections(t, now) {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tc.tok)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			var me *model.Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not a *model.Error", err, err)
			}
			if me.Kind != tc.kind || me.Code != tc.code {
				t.Fatalf("got kind %v code %d (%q), want kind %v code %d", me.Kind, me.Code, me.Message, tc.kind, tc.code)
			}
			if c != nil {
				t.Fatalf("claims returned with error: %+v", c)
			}
			for _, s := range []string{secret1, secret2} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error leaks a secret: %v", err)
				}
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	n := now.Unix()
	cases := []struct {
		name   string
		tok    string
		leeway time.Duration
		want   Claims
	}{
		{
			name: "minted",
			tok:  mustMint(t, stdParams(now)),
			want: Claims{ID: key1 + "-1700000000", KeySID: key1, AccountSID: acct1, Identity: "alice",
				Chat:      ChatGrant{ServiceSID: service, EndpointID: "app:alice:dev1", DeploymentRoleSID: role, PushCredentialSID: cred},
				NotBefore: now, Expires: now.Add(time.Hour)},
		},
		{
			name: "second key and account",
			tok: mustMint(t, Params{AccountSID: acct2, KeySID: key2, Secret: secret2, Identity: "bob@example.com",
				Chat: ChatGrant{ServiceSID: service}, TTL: 10 * time.Minute, NotBefore: now.Add(-time.Minute), Now: now}),
			want: Claims{ID: key2 + "-1700000000", KeySID: key2, AccountSID: acct2, Identity: "bob@example.com",
				Chat: ChatGrant{ServiceSID: service}, NotBefore: now.Add(-time.Minute), Expires: now.Add(10 * time.Minute)},
		},
		{
			name: "legacy ip_messaging grant",
			tok: craft(t, stdHeader(), with(now, func(_, g map[string]any) {
				delete(g, "chat")
				g["ip_messaging"] = map[string]any{"service_sid": service, "endpoint_id": "e1"}
			}), hs256(secret1)),
			want: Claims{ID: key1 + "-1", KeySID: key1, AccountSID: acct1, Identity: "alice",
				Chat: ChatGrant{ServiceSID: service, EndpointID: "e1"}, NotBefore: now.Add(-10 * time.Second), Expires: now.Add(time.Hour)},
		},
		{
			name: "chat wins over ip_messaging, null fields ignored, other grants kept aside",
			tok: craft(t, stdHeader(), with(now, func(_, g map[string]any) {
				g["chat"] = map[string]any{"service_sid": service, "push_credential_sid": nil}
				g["ip_messaging"] = map[string]any{"service_sid": "ISother"}
				g["video"] = map[string]any{}
			}), hs256(secret1)),
			want: Claims{ID: key1 + "-1", KeySID: key1, AccountSID: acct1, Identity: "alice",
				Chat: ChatGrant{ServiceSID: service}, NotBefore: now.Add(-10 * time.Second), Expires: now.Add(time.Hour)},
		},
		{
			name: "lifetime exactly 24h, region header, no jti",
			tok: craft(t, map[string]any{"typ": "JWT", "alg": "HS256", "cty": ContentType, "twr": "ie1"}, with(now, func(p, _ map[string]any) {
				delete(p, "jti")
				p["nbf"] = n - 100
				p["exp"] = n - 100 + 86400
			}), hs256(secret1)),
			want: Claims{KeySID: key1, AccountSID: acct1, Identity: "alice",
				Chat: ChatGrant{ServiceSID: service}, NotBefore: now.Add(-100 * time.Second), Expires: now.Add(86300 * time.Second)},
		},
		{
			name: "no nbf, float times",
			tok: craft(t, stdHeader(), with(now, func(p, _ map[string]any) {
				delete(p, "nbf")
				p["exp"] = float64(n) + 60.5
			}), hs256(secret1)),
			want: Claims{ID: key1 + "-1", KeySID: key1, AccountSID: acct1, Identity: "alice",
				Chat: ChatGrant{ServiceSID: service}, Expires: now.Add(60500 * time.Millisecond)},
		},
		{
			name:   "nbf within leeway",
			tok:    craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = n + 5 }), hs256(secret1)),
			leeway: 10 * time.Second,
			want: Claims{ID: key1 + "-1", KeySID: key1, AccountSID: acct1, Identity: "alice",
				Chat: ChatGrant{ServiceSID: service}, NotBefore: now.Add(5 * time.Second), Expires: now.Add(time.Hour)},
		},
		{
			name:   "exp within leeway",
			tok:    craft(t, stdHeader(), with(now, func(p, _ map[string]any) { p["nbf"] = n - 600; p["exp"] = n - 5 }), hs256(secret1)),
			leeway: 10 * time.Second,
			want: Claims{ID: key1 + "-1", KeySID: key1, AccountSID: acct1, Identity: "alice",
				Chat: ChatGrant{ServiceSID: service}, NotBefore: now.Add(-600 * time.Second), Expires: now.Add(-5 * time.Second)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := verifierAt(now)
			v.Leeway = tc.leeway
			c, err := v.Verify(context.Background(), tc.tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			assertClaims(t, c, tc.want)
		})
	}

	// Without the leeway the last two are refused.
	v := verifierAt(now)
	for _, tc := range cases[len(cases)-2:] {
		if _, err := v.Verify(context.Background(), tc.tok); err == nil {
			t.Errorf("%s: accepted without leeway", tc.name)
		}
	}
}

func assertClaims(t *testing.T, got *Claims, want Claims) {
	t.Helper()
	if got == nil {
		t.Fatal("nil claims")
	}
	g := *got
	if !g.NotBefore.Equal(want.NotBefore) || !g.Expires.Equal(want.Expires) {
		t.Errorf("times: got nbf %v exp %v, want nbf %v exp %v", g.NotBefore, g.Expires, want.NotBefore, want.Expires)
	}
	g.NotBefore, g.Expires, want.NotBefore, want.Expires = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != want {
		t.Errorf("claims:\n got %+v\nwant %+v", g, want)
	}
}

func TestVerifierMisconfigured(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tok := mustMint(t, stdParams(now))
	empty := func(context.Context, string) (string, []byte, error) { return acct1, nil, nil }
	plain := func(context.Context, string) (string, []byte, error) { return "", nil, errors.New("boom") }
	for _, tc := range []struct {
		name string
		v    *Verifier
		kind model.Kind
	}{
		{"nil verifier", nil, model.KindInternal},
		{"nil lookup", &Verifier{}, model.KindInternal},
		{"empty secret", &Verifier{Lookup: empty, Now: func() time.Time { return now }}, model.KindInternal},
		{"plain lookup error", &Verifier{Lookup: plain, Now: func() time.Time { return now }}, model.KindInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.v.Verify(context.Background(), tok); err == nil || model.KindOf(err) != tc.kind {
				t.Fatalf("got %v, want kind %v", err, tc.kind)
			}
		})
	}
}

// Tokens minted by twilio-go verify in Parley.
func TestVerifyTwilioGoTokens(t *testing.T) {
	fixed := time.Unix(1_700_000_000, 0)
	full := &twjwt.ChatGrant{ServiceSid: service, EndpointID: "app:alice:dev1", DeploymentRoleSid: role, PushCredentialSid: cred}
	fullWant := ChatGrant{ServiceSID: service, EndpointID: "app:alice:dev1", DeploymentRoleSID: role, PushCredentialSID: cred}

	cases := []struct {
		name     string
		params   twjwt.AccessTokenParams
		grant    twjwt.BaseGrant
		now      time.Time // zero: real clock
		want     Claims    // times checked apart when now is zero
		wantCode int
	}{
		{
			name:   "ttl under an hour is raised to 3600",
			params: twjwt.AccessTokenParams{AccountSid: acct1, SigningKeySid: key1, Secret: secret1, Identity: "alice", Ttl: 600},
			grant:  full,
			want:   Claims{KeySID: key1, AccountSID: acct1, Identity: "alice", Chat: fullWant},
		},
		{
			name:   "default ttl, second key, service only",
			params: twjwt.AccessTokenParams{AccountSid: acct2, SigningKeySid: key2, Secret: secret2, Identity: "bob"},
			grant:  &twjwt.ChatGrant{ServiceSid: service},
			want:   Claims{KeySID: key2, AccountSID: acct2, Identity: "bob", Chat: ChatGrant{ServiceSID: service}},
		},
		{
			name: "explicit nbf and valid until",
			params: twjwt.AccessTokenParams{AccountSid: acct1, SigningKeySid: key1, Secret: secret1, Identity: "alice",
				Nbf: float64(fixed.Unix() - 30), ValidUntil: float64(fixed.Unix() + 7200)},
			grant: full,
			now:   fixed,
			want: Claims{KeySID: key1, AccountSID: acct1, Identity: "alice", Chat: fullWant,
				NotBefore: fixed.Add(-30 * time.Second), Expires: fixed.Add(2 * time.Hour)},
		},
		{
			name:   "legacy ip_messaging grant",
			params: twjwt.AccessTokenParams{AccountSid: acct1, SigningKeySid: key1, Secret: secret1, Identity: "carol", Region: "ie1"},
			grant:  &twjwt.IpMessagingGrant{ServiceSid: service, EndpointID: "e"},
			want:   Claims{KeySID: key1, AccountSID: acct1, Identity: "carol", Chat: ChatGrant{ServiceSID: service, EndpointID: "e"}},
		},
		{
			name:     "ttl over 24h",
			params:   twjwt.AccessTokenParams{AccountSid: acct1, SigningKeySid: key1, Secret: secret1, Identity: "alice", Ttl: 86401},
			grant:    full,
			wantCode: CodeTTLTooLong,
		},
		{
			name:     "wrong secret",
			params:   twjwt.AccessTokenParams{AccountSid: acct1, SigningKeySid: key1, Secret: secret2, Identity: "alice"},
			grant:    full,
			wantCode: CodeInvalidSignature,
		},
		{
			name:     "sync grant only",
			params:   twjwt.AccessTokenParams{AccountSid: acct1, SigningKeySid: key1, Secret: secret1, Identity: "alice"},
			grant:    &twjwt.SyncGrant{ServiceSid: "IS1"},
			wantCode: CodeInvalidGrants,
		},
		{
			name:     "no identity",
			params:   twjwt.AccessTokenParams{AccountSid: acct1, SigningKeySid: key1, Secret: secret1},
			grant:    full,
			wantCode: CodeInvalidGrants,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at := twjwt.CreateAccessToken(tc.params)
			at.AddGrant(tc.grant)
			before := time.Now().Truncate(time.Second)
			s, err := at.ToJwt()
			if err != nil {
				t.Fatal(err)
			}
			after := time.Now()
			v := &Verifier{Lookup: lookup}
			if !tc.now.IsZero() {
				v = verifierAt(tc.now)
			}
			c, err := v.Verify(context.Background(), s)
			if tc.wantCode != 0 {
				if model.CodeOf(err) != tc.wantCode || model.KindOf(err) != model.KindUnauthenticated {
					t.Fatalf("got %v, want code %d", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !strings.HasPrefix(c.ID, tc.params.SigningKeySid+"-") {
				t.Errorf("jti %q", c.ID)
			}
			c.ID = ""
			if tc.now.IsZero() {
				if c.NotBefore.Before(before) || c.NotBefore.After(after) {
					t.Errorf("nbf %v not in [%v, %v]", c.NotBefore, before, after)
				}
				if got := c.Expires.Sub(c.NotBefore); got != time.Hour {
					t.Errorf("lifetime %v, want 1h", got)
				}
				tc.want.NotBefore, tc.want.Expires = c.NotBefore, c.Expires
			}
			assertClaims(t, c, tc.want)
		})
	}
}

// Tokens minted by Parley parse in twilio-go.
func TestMintParsesInTwilioGo(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"full grant", stdParams(time.Time{})},
		{"service only, short ttl", Params{AccountSID: acct2, KeySID: key2, Secret: secret2, Identity: "bob", Chat: ChatGrant{ServiceSID: service}, TTL: time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustMint(t, tc.p)

			// The header is exactly Twilio's.
			hb, err := base64.RawURLEncoding.DecodeString(segments(s)[0])
			if err != nil {
				t.Fatal(err)
			}
			var h map[string]any
			if err := json.Unmarshal(hb, &h); err != nil {
				t.Fatal(err)
			}
			if len(h) != 3 || h["typ"] != "JWT" || h["alg"] != "HS256" || h["cty"] != "twilio-fpa;v=1" {
				t.Errorf("header %s", hb)
			}

			// twilio-go checks the signature (and the times) with the secret.
			base := twjwt.CreateAccessToken(twjwt.AccessTokenParams{})
			parsed, err := base.FromJwt(s, tc.p.Secret)
			if err != nil {
				t.Fatalf("FromJwt: %v", err)
			}
			if parsed.Identity != tc.p.Identity || parsed.AccountSid != tc.p.AccountSID || parsed.SigningKeySid != tc.p.KeySID {
				t.Errorf("parsed identity %q account %q key %q", parsed.Identity, parsed.AccountSid, parsed.SigningKeySid)
			}
			var chat *twjwt.ChatGrant
			for _, g := range parsed.Grants {
				if cg, ok := g.(*twjwt.ChatGrant); ok {
					chat = cg
				}
			}
			if chat == nil {
				t.Fatalf("no chat grant in %v", parsed.Grants)
			}
			want := twjwt.ChatGrant{ServiceSid: tc.p.Chat.ServiceSID, EndpointID: tc.p.Chat.EndpointID,
				DeploymentRoleSid: tc.p.Chat.DeploymentRoleSID, PushCredentialSid: tc.p.Chat.PushCredentialSID}
			if *chat != want {
				t.Errorf("chat grant %+v, want %+v", *chat, want)
			}
			pl := parsed.Payload()
			exp, _ := pl["exp"].(float64)
			nbf, _ := pl["nbf"].(float64)
			ttl := tc.p.TTL
			if ttl == 0 {
				ttl = DefaultTTL
			}
			if exp-nbf != ttl.Seconds() {
				t.Errorf("exp %v - nbf %v != %v", exp, nbf, ttl.Seconds())
			}
			if jti, _ := pl["jti"].(string); jti != tc.p.KeySID+"-"+formatFloat(nbf) {
				t.Errorf("jti %q", jti)
			}
			// Empty grant fields are omitted.
			if grants, _ := pl["grants"].(map[string]any); grants != nil {
				if cg, _ := grants["chat"].(map[string]any); tc.p.Chat.EndpointID == "" && cg["endpoint_id"] != nil {
					t.Errorf("empty endpoint_id present: %v", cg)
				}
			}

			// And the wrong secret is refused.
			if _, err := base.FromJwt(s, "not-the-secret"); err == nil {
				t.Error("FromJwt accepted a wrong secret")
			}
		})
	}
}

func formatFloat(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestMintErrors(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name string
		edit func(*Params)
		kind model.Kind
		code int
	}{
		{"ok", func(*Params) {}, 0, 0},
		{"ttl exactly 24h", func(p *Params) { p.TTL = 24 * time.Hour }, 0, 0},
		{"ttl over 24h", func(p *Params) { p.TTL = 24*time.Hour + time.Second }, model.KindInvalid, CodeTTLTooLong},
		{"backdated nbf makes it over 24h", func(p *Params) { p.TTL = 23 * time.Hour; p.NotBefore = now.Add(-2 * time.Hour) }, model.KindInvalid, CodeTTLTooLong},
		{"negative ttl", func(p *Params) { p.TTL = -time.Hour }, model.KindInvalid, model.CodeInvalidParam},
		{"sub-second ttl", func(p *Params) { p.TTL = time.Millisecond }, model.KindInvalid, model.CodeInvalidParam},
		{"nbf after exp", func(p *Params) { p.NotBefore = now.Add(2 * time.Hour) }, model.KindInvalid, model.CodeInvalidParam},
		{"empty identity", func(p *Params) { p.Identity = "" }, model.KindInvalid, model.CodeInvalidParam},
		{"no account", func(p *Params) { p.AccountSID = "" }, model.KindInvalid, model.CodeInvalidParam},
		{"no key", func(p *Params) { p.KeySID = "" }, model.KindInvalid, model.CodeInvalidParam},
		{"no secret", func(p *Params) { p.Secret = "" }, model.KindInvalid, model.CodeInvalidParam},
		{"no service", func(p *Params) { p.Chat.ServiceSID = "" }, model.KindInvalid, model.CodeInvalidParam},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := stdParams(now)
			tc.edit(&p)
			s, err := Mint(p)
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("Mint: %v", err)
				}
				if _, err := verifierAt(now).Verify(context.Background(), s); err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("minted %s", s)
			}
			if model.KindOf(err) != tc.kind || model.CodeOf(err) != tc.code {
				t.Fatalf("got %v (kind %v), want kind %v code %d", err, model.KindOf(err), tc.kind, tc.code)
			}
			if strings.Contains(err.Error(), secret1) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

// fuzzNow is the clock of FuzzVerify.
var fuzzNow = time.Unix(1_700_000_000, 0)

// FuzzVerify checks that Verify never panics, fails only with the documented
// errors, and accepts only tokens whose HS256 signature is valid under the
// looked-up secret and whose claims hold.
func FuzzVerify(f *testing.F) {
	f.Add(mustMint(f, stdParams(fuzzNow)))
	at := twjwt.CreateAccessToken(twjwt.AccessTokenParams{AccountSid: acct2, SigningKeySid: key2, Secret: secret2, Identity: "bob",
		Nbf: float64(fuzzNow.Unix() - 5), ValidUntil: float64(fuzzNow.Unix() + 600)})
	at.AddGrant(&twjwt.ChatGrant{ServiceSid: service, EndpointID: "x"})
	s, err := at.ToJwt()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(s)
	f.Add(craft(f, stdHeader(), with(fuzzNow, func(_, g map[string]any) {
		delete(g, "chat")
		g["ip_messaging"] = map[string]any{"service_sid": service}
	}), hs256(secret1)))
	for _, tc := range rejections(f, fuzzNow) {
		f.Add(tc.tok)
	}

	codes := map[int]bool{CodeMalformed: true, CodeInvalidIssuer: true, CodeExpired: true, CodeNotYetValid: true,
		CodeInvalidGrants: true, CodeInvalidSignature: true, CodeTTLTooLong: true}
	v := verifierAt(fuzzNow)
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(context.Background(), raw)
		if err != nil {
			var me *model.Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v", err, err)
			}
			ok := me.Kind == model.KindUnauthenticated && codes[me.Code] ||
				me.Kind == model.KindUnavailable && me.Code == model.CodeUnavailable
			if !ok || c != nil {
				t.Fatalf("unexpected failure %v (kind %v), claims %v", err, me.Kind, c)
			}
			return
		}
		// Accepted: recompute the signature independently.
		k, known := secrets[c.KeySID]
		if !known || k[0] != c.AccountSID {
			t.Fatalf("accepted unknown key or foreign account: %+v", c)
		}
		parts := segments(raw)
		if len(parts) != 3 || hs256(k[1])(parts[0]+"."+parts[1]) != parts[2] {
			t.Fatalf("accepted a token not signed with the key's secret: %q", raw)
		}
		hb, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			t.Fatal(err)
		}
		var h map[string]any
		if err := json.Unmarshal(hb, &h); err != nil || h["alg"] != "HS256" || h["cty"] != ContentType {
			t.Fatalf("accepted header %s", hb)
		}
		if c.Identity == "" || c.Chat.ServiceSID == "" || !c.Expires.After(fuzzNow) ||
			c.NotBefore.After(fuzzNow) || c.Expires.Sub(c.NotBefore) > MaxTTL && !c.NotBefore.IsZero() {
			t.Fatalf("accepted bad claims %+v", c)
		}
	})
}
