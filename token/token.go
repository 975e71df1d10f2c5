// Package token mints and verifies Twilio Access Tokens for Chat, in exactly
// Twilio's format, so that tokens minted by the Twilio helper libraries (for
// example twilio-go's client/jwt) verify in Parley and tokens minted by
// Parley parse in those libraries.
//
// An Access Token is a JWT signed with HS256 under an API key's secret:
//
//	header:  {"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"}
//	payload: {"jti":"SK...-1450471147", "iss":"SK...", "sub":"AC...",
//	          "nbf":1450471147, "exp":1450474747,
//	          "grants":{"identity":"alice",
//	                    "chat":{"service_sid":"IS...", "endpoint_id":"...",
//	                            "deployment_role_sid":"RL...",
//	                            "push_credential_sid":"CR..."}}}
//
// iss is the API key SID, sub the account SID the key belongs to, jti is
// "<iss>-<unix seconds of issuance>", nbf and exp are JSON numbers (unix
// seconds). Empty chat grant fields are omitted. Legacy tokens carry the chat
// grant under "ip_messaging"; Verify accepts both. The lifetime exp - nbf is
// at most MaxTTL (24 h).
//
// Mint builds a token; Verifier.Verify checks one, failing with a
// *model.Error of Kind model.KindUnauthenticated whose Code tells why (see
// CodeMalformed and the other Code constants).
package token

import (
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/parleychat/parley/model"
)

// Header values of a Twilio Access Token.
const (
	// ContentType is the value of the JWT header "cty" of an Access Token.
	ContentType = "twilio-fpa;v=1"
	// Algorithm is the only accepted JWT "alg".
	Algorithm = "HS256"
)

const (
	// DefaultTTL is the lifetime Mint uses when Params.TTL is zero.
	DefaultTTL = time.Hour
	// MaxTTL is the longest lifetime (exp - nbf) a token may have.
	MaxTTL = 24 * time.Hour
)

// ChatGrant is the "chat" grant of an Access Token: it lets the identity use
// the Chat service ServiceSID. The other fields are optional.
type ChatGrant struct {
	ServiceSID        string // IS..., required
	EndpointID        string // client endpoint id, optional
	DeploymentRoleSID string // RL..., optional
	PushCredentialSID string // CR..., optional
}

// Params are the inputs of Mint.
type Params struct {
	AccountSID string    // AC..., becomes sub; required
	KeySID     string    // SK..., becomes iss; required
	Secret     string    // the API key secret that signs the token; required
	Identity   string    // the chat user; required
	Chat       ChatGrant // Chat.ServiceSID is required
	// TTL is how long the token lives from Now (exp = Now + TTL, whole
	// seconds). Zero means DefaultTTL; it must be at least one second and at
	// most MaxTTL. Unlike twilio-go, a TTL under an hour is kept as is.
	TTL time.Duration
	// NotBefore is nbf; zero means Now. exp - nbf must not exceed MaxTTL
	// and nbf must come before exp.
	NotBefore time.Time
	// Now is the issuance time (jti and exp); zero means time.Now(). For tests.
	Now time.Time
}

// wireChatGrant is the JSON form of ChatGrant: empty fields are omitted.
type wireChatGrant struct {
	ServiceSID        string `json:"service_sid,omitempty"`
	EndpointID        string `json:"endpoint_id,omitempty"`
	DeploymentRoleSID string `json:"deployment_role_sid,omitempty"`
	PushCredentialSID string `json:"push_credential_sid,omitempty"`
}

// wireGrants is the JSON form of the "grants" claim Mint writes.
type wireGrants struct {
	Identity string        `json:"identity"`
	Chat     wireChatGrant `json:"chat"`
}

// Mint returns a signed Access Token for p. It fails with a *model.Error of
// Kind model.KindInvalid: code model.CodeInvalidParam when a required field
// is empty, TTL is negative or under a second, or NotBefore is not before
// the expiry; code CodeTTLTooLong when TTL or exp - nbf is over MaxTTL.
// Errors never contain the secret.
func Mint(p Params) (string, error) {
	switch {
	case p.AccountSID == "":
		return "", invalidParam("AccountSID is required")
	case p.KeySID == "":
		return "", invalidParam("KeySID is required")
	case p.Secret == "":
		return "", invalidParam("Secret is required")
	case p.Identity == "":
		return "", invalidParam("Identity is required")
	case p.Chat.ServiceSID == "":
		return "", invalidParam("Chat.ServiceSID is required")
	}
	ttl := p.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < time.Second {
		return "", invalidParam("TTL must be at least one second")
	}
	if ttl > MaxTTL {
		return "", model.Errorf(model.KindInvalid, CodeTTLTooLong, "%s", msgTTLTooLong)
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	nbf := p.NotBefore
	if nbf.IsZero() {
		nbf = now
	}
	iat := now.Unix()
	exp := iat + int64(ttl/time.Second)
	nbfUnix := nbf.Unix()
	if nbfUnix >= exp {
		return "", invalidParam("NotBefore must be before the expiry")
	}
	if exp-nbfUnix > int64(MaxTTL/time.Second) {
		return "", model.Errorf(model.KindInvalid, CodeTTLTooLong, "%s", msgTTLTooLong)
	}

	claims := jwt.MapClaims{
		"jti": p.KeySID + "-" + strconv.FormatInt(iat, 10),
		"iss": p.KeySID,
		"sub": p.AccountSID,
		"nbf": nbfUnix,
		"exp": exp,
		"grants": wireGrants{
			Identity: p.Identity,
			Chat: wireChatGrant{
				ServiceSID:        p.Chat.ServiceSID,
				EndpointID:        p.Chat.EndpointID,
				DeploymentRoleSID: p.Chat.DeploymentRoleSID,
				PushCredentialSID: p.Chat.PushCredentialSID,
			},
		},
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	t.Header["cty"] = ContentType // typ and alg are already set
	s, err := t.SignedString([]byte(p.Secret))
	if err != nil {
		// Only a JSON encoding failure can get here; keep details out.
		return "", model.Errorf(model.KindInternal, model.CodeInternal, "cannot sign access token")
	}
	return s, nil
}

func invalidParam(msg string) *model.Error {
	return &model.Error{Kind: model.KindInvalid, Code: model.CodeInvalidParam, Message: msg}
}
