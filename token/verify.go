package token

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/parleychat/parley/model"
)

// MaxTokenLength is the longest token string Verify reads; a longer one is
// rejected as malformed (CodeMalformed) before any decoding.
const MaxTokenLength = 16 << 10

// maxUnix bounds nbf and exp: 9999-12-31T23:59:59Z.
const maxUnix = 253402300799

// Claims is what a verified Access Token says.
type Claims struct {
	ID         string    // jti ("" when absent)
	KeySID     string    // iss: the API key that signed the token
	AccountSID string    // sub: the account the key belongs to
	Identity   string    // grants.identity, never empty
	Chat       ChatGrant // grants.chat (or legacy grants.ip_messaging); ServiceSID never empty
	NotBefore  time.Time // nbf; zero when the token has none
	Expires    time.Time // exp
}

// KeyLookup finds the API key keySID (the token's iss). It returns the
// account the key belongs to and the key's secret. For an unknown (or
// revoked) key it returns a *model.Error of Kind model.KindNotFound or
// model.KindUnauthenticated, which Verify turns into CodeInvalidIssuer; any
// other error (a store outage, say) is returned by Verify unchanged. keySID
// is untrusted input: it comes from a token whose signature is not checked
// yet.
type KeyLookup func(ctx context.Context, keySID string) (accountSID string, secret []byte, err error)

// Verifier checks Access Tokens. Lookup is required; the zero value of the
// other fields is fine. A Verifier is safe for concurrent use.
type Verifier struct {
	// Lookup finds an API key's account and secret.
	Lookup KeyLookup
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Leeway is the clock skew tolerated between the minting server and this
	// one: a token is accepted until exp + Leeway, and from nbf - Leeway.
	// Zero (the default) means none; a negative value counts as zero. It
	// does not stretch the MaxTTL lifetime check.
	Leeway time.Duration
}

// Verify checks raw and returns its claims. The checks run in this order,
// the first failure deciding the error, a *model.Error of Kind
// model.KindUnauthenticated with code:
//
//   - CodeMalformed (20101): empty, longer than MaxTokenLength, not three
//     base64url (unpadded, canonical) segments, header or payload not a JSON
//     object, header cty not ContentType, header alg not HS256 (so "none",
//     HS512, RS256... are refused), jti present but not a string;
//   - CodeInvalidIssuer (20103): iss or sub missing or not a string, the key
//     unknown to Lookup, or the key's account not sub;
//   - CodeInvalidSignature (20107): the HS256 signature does not verify
//     under the key's secret;
//   - CodeExpired (20104): exp missing or not a number in range, or
//     exp + Leeway <= now;
//   - CodeNotYetValid (20105): nbf present but not a number in range, or
//     nbf - Leeway > now;
//   - CodeTTLTooLong (20157): exp - nbf over MaxTTL (exp - now when the
//     token has no nbf);
//   - CodeInvalidGrants (20106): grants not an object, identity missing or
//     empty, no "chat" grant (nor legacy "ip_messaging"; "chat" wins when
//     both are present), service_sid missing or empty, or a grant field that
//     is not a string.
//
// An error from Lookup other than not-found/unauthenticated is returned as
// is; a nil Lookup or a key with an empty secret is a KindInternal error.
// The header fields typ, twr (region) and kid are not checked. Error
// messages are fixed strings that never include the token or a secret.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if v == nil || v.Lookup == nil {
		return nil, model.Errorf(model.KindInternal, model.CodeInternal, "token verifier has no key lookup")
	}
	if raw == "" || len(raw) > MaxTokenLength || strings.Count(raw, ".") != 2 {
		return nil, errMalformed()
	}
	parts := strings.Split(raw, ".")
	header, ok := decodeObject(parts[0])
	if !ok {
		return nil, errMalformed()
	}
	payload, ok := decodeObject(parts[1])
	if !ok {
		return nil, errMalformed()
	}
	if _, err := segmentEncoding.DecodeString(parts[2]); err != nil {
		return nil, errMalformed()
	}
	if s, k := stringField(header, "cty"); k != kindString || s != ContentType {
		return nil, errMalformed()
	}
	if s, k := stringField(header, "alg"); k != kindString || s != Algorithm {
		return nil, errMalformed()
	}
	jti, k := stringField(payload, "jti")
	if k != kindAbsent && k != kindString {
		return nil, errMalformed()
	}

	// Issuer and subject: find the key and check its account.
	iss, k := stringField(payload, "iss")
	if k != kindString || iss == "" {
		return nil, errIssuer()
	}
	sub, k := stringField(payload, "sub")
	if k != kindString || sub == "" {
		return nil, errIssuer()
	}
	account, secret, err := v.Lookup(ctx, iss)
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) && (me.Kind == model.KindNotFound || me.Kind == model.KindUnauthenticated) {
			return nil, errIssuer()
		}
		return nil, err
	}
	if len(secret) == 0 {
		return nil, model.Errorf(model.KindInternal, model.CodeInternal, "signing key has no secret")
	}
	if account != sub {
		return nil, errIssuer()
	}

	// Signature, through golang-jwt. The claims it decodes are not used:
	// the checks below read the payload decoded above.
	if err := checkSignature(raw, secret); err != nil {
		return nil, err
	}

	// Times.
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	leeway := max(v.Leeway, 0)
	exp, k := timeField(payload, "exp")
	if k != kindNumber || !exp.Add(leeway).After(now) {
		return nil, errExpired()
	}
	nbf, k := timeField(payload, "nbf")
	if k != kindAbsent && k != kindNumber {
		return nil, errNotYet()
	}
	if k == kindNumber && nbf.Add(-leeway).After(now) {
		return nil, errNotYet()
	}
	start := nbf
	if k == kindAbsent {
		start = now
	}
	if exp.Sub(start) > MaxTTL {
		return nil, errLifetime()
	}

	// Grants.
	identity, chat, err := parseGrants(payload["grants"])
	if err != nil {
		return nil, err
	}
	return &Claims{
		ID:         jti,
		KeySID:     iss,
		AccountSID: sub,
		Identity:   identity,
		Chat:       chat,
		NotBefore:  nbf,
		Expires:    exp,
	}, nil
}

// segmentEncoding decodes JWT segments: base64url without padding, and
// canonical (no stray bits in the last character), so that one token has a
// single spelling.
var segmentEncoding = base64.RawURLEncoding.Strict()

// parser verifies signatures only: alg must be HS256 (already checked, and
// enforced again here), claims validation is ours.
var parser = jwt.NewParser(
	jwt.WithValidMethods([]string{Algorithm}),
	jwt.WithoutClaimsValidation(),
	jwt.WithStrictDecoding(),
	jwt.WithJSONNumber(),
)

// checkSignature verifies the HS256 signature of raw under secret.
func checkSignature(raw string, secret []byte) error {
	t, err := parser.Parse(raw, func(*jwt.Token) (any, error) { return secret, nil })
	switch {
	case err == nil && t.Valid:
		return nil
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return errSig()
	default:
		// The structure was checked already, so this is unexpected; treat
		// it as malformed rather than let it through.
		return errMalformed()
	}
}

// decodeObject decodes a JWT segment holding a JSON object. Keys are matched
// exactly (unlike decoding into a struct); with duplicate keys the last
// wins, as in golang-jwt.
func decodeObject(seg string) (map[string]json.RawMessage, bool) {
	b, err := segmentEncoding.DecodeString(seg)
	if err != nil {
		return nil, false
	}
	return jsonObject(b)
}

// jsonObject decodes b if it is a JSON object (not null).
func jsonObject(b []byte) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// fieldKind says what a JSON object member holds.
type fieldKind int

const (
	kindAbsent fieldKind = iota // no such key
	kindNull                    // null
	kindString                  // a string
	kindNumber                  // a number (in range, for timeField)
	kindOther                   // anything else, or a number out of range
)

// stringField reads m[key] as a string.
func stringField(m map[string]json.RawMessage, key string) (string, fieldKind) {
	r, ok := m[key]
	if !ok {
		return "", kindAbsent
	}
	var v any
	if err := json.Unmarshal(r, &v); err != nil {
		return "", kindOther
	}
	switch s := v.(type) {
	case nil:
		return "", kindNull
	case string:
		return s, kindString
	default:
		return "", kindOther
	}
}

// timeField reads m[key] as a NumericDate: a JSON number of seconds since
// the epoch (fractions allowed), between 0 and the end of year 9999. A
// number in quotes is not a number.
func timeField(m map[string]json.RawMessage, key string) (time.Time, fieldKind) {
	r, ok := m[key]
	if !ok {
		return time.Time{}, kindAbsent
	}
	d := json.NewDecoder(bytes.NewReader(r))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return time.Time{}, kindOther
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, kindOther
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxUnix {
		return time.Time{}, kindOther
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64(math.Round((f-sec)*1e9))).UTC(), kindNumber
}

// parseGrants checks the grants claim and returns the identity and the chat
// grant.
func parseGrants(raw json.RawMessage) (string, ChatGrant, error) {
	grants, ok := jsonObject(raw)
	if !ok {
		return "", ChatGrant{}, errGrants()
	}
	identity, k := stringField(grants, "identity")
	if k != kindString || identity == "" {
		return "", ChatGrant{}, errGrants()
	}
	rawChat, ok := grants["chat"]
	if !ok {
		rawChat, ok = grants["ip_messaging"]
	}
	if !ok {
		return "", ChatGrant{}, errGrants()
	}
	chat, ok := jsonObject(rawChat)
	if !ok {
		return "", ChatGrant{}, errGrants()
	}
	var g ChatGrant
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"service_sid", &g.ServiceSID},
		{"endpoint_id", &g.EndpointID},
		{"deployment_role_sid", &g.DeploymentRoleSID},
		{"push_credential_sid", &g.PushCredentialSID},
	} {
		s, k := stringField(chat, f.key)
		switch k {
		case kindAbsent, kindNull:
		case kindString:
			*f.dst = s
		default:
			return "", ChatGrant{}, errGrants()
		}
	}
	if g.ServiceSID == "" {
		return "", ChatGrant{}, errGrants()
	}
	return identity, g, nil
}
