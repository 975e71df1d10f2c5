package token

import "github.com/parleychat/parley/model"

// Twilio error codes returned by Verify, each on a *model.Error of Kind
// model.KindUnauthenticated. Callers tell the failures apart with
// model.CodeOf(err). Mint returns CodeTTLTooLong too (with Kind
// model.KindInvalid), and model.CodeInvalidParam for other bad Params.
const (
	// CodeMalformed: not a JWT (wrong number of segments, bad base64url or
	// JSON), a header cty other than "twilio-fpa;v=1", an alg other than
	// HS256 (including "none"), or a jti that is not a string.
	CodeMalformed = 20101
	// CodeInvalidIssuer: iss or sub missing, the key named by iss is unknown,
	// or the key belongs to an account other than sub.
	CodeInvalidIssuer = 20103
	// CodeExpired: exp is missing, not a valid number, or not after now.
	CodeExpired = 20104
	// CodeNotYetValid: nbf is after now, or nbf is present but not a valid
	// number.
	CodeNotYetValid = 20105
	// CodeInvalidGrants: grants missing, no identity, no chat (or legacy
	// ip_messaging) grant, or a chat grant without service_sid.
	CodeInvalidGrants = 20106
	// CodeInvalidSignature: the HS256 signature does not match the secret of
	// the key named by iss (wrong secret, tampered header, payload or
	// signature).
	CodeInvalidSignature = 20107
	// CodeTTLTooLong: the lifetime (exp - nbf) is over MaxTTL.
	CodeTTLTooLong = 20157
)

// Messages are fixed strings: they never echo the token, the key SID or the
// secret, so an error is always safe to log and to return to the client.
const (
	msgMalformed        = "Invalid Access Token"
	msgInvalidIssuer    = "Invalid Access Token issuer/subject"
	msgExpired          = "Access Token expired or expiration date invalid"
	msgNotYetValid      = "Access Token not yet valid"
	msgInvalidGrants    = "Invalid Access Token grants"
	msgInvalidSignature = "Invalid Access Token signature"
	msgTTLTooLong       = "Expiration Time Exceeds Maximum Time Allowed"
)

// unauthenticated builds a verification failure.
func unauthenticated(code int, msg string) *model.Error {
	return &model.Error{Kind: model.KindUnauthenticated, Code: code, Message: msg}
}

func errMalformed() *model.Error { return unauthenticated(CodeMalformed, msgMalformed) }
func errIssuer() *model.Error    { return unauthenticated(CodeInvalidIssuer, msgInvalidIssuer) }
func errExpired() *model.Error   { return unauthenticated(CodeExpired, msgExpired) }
func errNotYet() *model.Error    { return unauthenticated(CodeNotYetValid, msgNotYetValid) }
func errGrants() *model.Error    { return unauthenticated(CodeInvalidGrants, msgInvalidGrants) }
func errSig() *model.Error       { return unauthenticated(CodeInvalidSignature, msgInvalidSignature) }
func errLifetime() *model.Error  { return unauthenticated(CodeTTLTooLong, msgTTLTooLong) }
