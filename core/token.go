package core

import (
	"context"

	"github.com/parleychat/parley/token"
)

// Codes of VerifyToken's errors that callers act on (the others are
// refusals alike).
const (
	CodeTokenExpired     = token.CodeExpired
	CodeTokenNotYetValid = token.CodeNotYetValid
)

// VerifyToken checks an end user's access token: Twilio's AccessToken
// format, signed (HS256) by an API key of this account that has not been
// revoked, within its lifetime on core's clock. Errors are
// KindUnauthenticated with the token's Twilio code, or the key lookup's
// error when the store cannot answer.
func (c *Core) VerifyToken(ctx context.Context, raw string) (*token.Claims, error) {
	v := token.Verifier{Lookup: c.KeySecret, Now: c.now}
	return v.Verify(ctx, raw)
}
