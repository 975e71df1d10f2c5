package model

import (
	"errors"
	"fmt"
)

// Kind classifies an Error by what the caller did wrong (or what went wrong
// on our side). restapi maps a Kind to an HTTP status and hooks map it to an
// MQTT reason code; nothing else translates errors.
type Kind int

// The kinds of Error.
const (
	KindInternal        Kind = iota // a bug or an unexpected failure on our side
	KindInvalid                     // bad input: malformed, missing, out of range
	KindNotFound                    // the addressed resource does not exist (or is foreign)
	KindConflict                    // the write collides with existing state (duplicate name...)
	KindForbidden                   // authenticated but not allowed, or a limit is reached
	KindUnauthenticated             // credentials or token missing or wrong
	KindTooLarge                    // the request body is over the limit
	KindRateLimited                 // too many actions per second
	KindUnavailable                 // a dependency (the store) cannot be reached right now
)

// String names the kind, for logs.
func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindTooLarge:
		return "too large"
	case KindRateLimited:
		return "rate limited"
	case KindUnavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// HTTPStatus is the HTTP status the REST API answers for the kind; RPC
// replies over MQTT carry it too, so clients see one table.
func (k Kind) HTTPStatus() int {
	switch k {
	case KindInvalid:
		return 400
	case KindNotFound:
		return 404
	case KindConflict:
		return 409
	case KindForbidden:
		return 403
	case KindUnauthenticated:
		return 401
	case KindTooLarge:
		return 413
	case KindRateLimited:
		return 429
	case KindUnavailable:
		return 503
	default:
		return 500
	}
}

// Error is the one error type that crosses layers. Code is the Twilio error
// code (https://www.twilio.com/docs/errors/{Code}); Message is safe to show to
// the caller.
type Error struct {
	Kind    Kind
	Code    int
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d)", e.Message, e.Code)
}

// Errorf builds an *Error with a formatted message.
func Errorf(kind Kind, code int, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error. An error that is not one (or does not
// wrap one) becomes KindInternal with code 20500 and a generic message, so
// that internal details never reach a caller.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Code: CodeInternal, Message: "An internal server error occurred"}
}

// KindOf returns the Kind of err (KindInternal when err is not an *Error).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// CodeOf returns the Twilio code of err (0 when err is nil, 20500 when err is
// not an *Error).
func CodeOf(err error) int {
	if err == nil {
		return 0
	}
	return AsError(err).Code
}

// Twilio error codes used across Parley. Codes used by one package only are
// written where they are used; these are the ones several layers share.
const (
	CodeInvalidParam      = 20001 // missing or invalid parameter
	CodeAuthenticate      = 20003 // bad credentials
	CodeNotFound          = 20404 // resource not found (REST lookups)
	CodeNoUpdateParams    = 20161 // update with no parameters
	CodeTooManyRequests   = 20429 // generic rate limit
	CodeInternal          = 20500 // internal server error
	CodeUnavailable       = 20503 // service unavailable
	CodeRequestTooLarge   = 20413 // request entity too large (Parley's choice)
	CodeUserExists        = 50201 // duplicate identity
	CodeUserChannelsLimit = 50208 // user is in too many channels
	CodeUserInvited       = 50212 // user already invited
	CodeUniqueNameExists  = 50307 // duplicate channel unique name
	CodeWebhooksLimit     = 50321 // too many channel webhooks
	CodeMembersLimit      = 50403 // channel member limit reached
	CodeMemberExists      = 50404 // member already exists
	CodeNotAuthorized     = 50107 // user not authorized for command
)

// Common errors the stores return. Callers compare with errors.Is against
// these only through their Kind and Code (KindOf / CodeOf), since stores wrap
// them with the path of the missing resource.
var (
	// ErrNotFound is the generic store miss; core rewrites it with the path.
	ErrNotFound = &Error{Kind: KindNotFound, Code: CodeNotFound, Message: "The requested resource was not found"}
)
