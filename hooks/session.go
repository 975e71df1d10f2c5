package hooks

import "time"

// Session is one authenticated MQTT connection as the hooks see it: who
// connected, in which service, and until when their token is valid.
//
// The broker creates it at CONNECT. RPC.Handle reads it; mochi calls a
// client's publish hooks from that client's read loop, so one connection's
// RPCs never run concurrently with each other. Refresh is the only way a
// command changes the session: it must update Expires (and rearm whatever
// watches it) under its own synchronisation.
type Session struct {
	// Identity is the token's identity.
	Identity string
	// ServiceSID is the service named by the token's chat grant.
	ServiceSID string
	// UserSID is the SID of the identity's user in the service.
	UserSID string
	// Expires is when the token expires.
	Expires time.Time
	// Refresh verifies a new token for the same identity and service and
	// extends the session to its expiry, which it returns. Nil when the
	// connection cannot refresh its token.
	Refresh func(token string) (time.Time, error)
}
