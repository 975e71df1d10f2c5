package core

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/parleychat/parley/model"
)

// Field limits. Twilio documents the error codes but not every number; where
// the reference is silent these follow Twilio Conversations (docs/compat.md).
const (
	MaxFriendlyName     = 256       // service, channel, user friendly names
	MaxRoleFriendlyName = 64        // role friendly names (spec)
	MaxUniqueName       = 256       // channel unique names
	MaxIdentity         = 256       // user identities
	MaxAttributes       = 16 * 1024 // bytes of an attributes JSON document
	MaxMessageBody      = 32 * 1024 // bytes of a message body
	MaxAuthor           = 256       // message From / LastUpdatedBy, channel CreatedBy
	MaxURL              = 2048      // webhook URLs
	MaxClientMessageID  = 64        // characters of a client message id (docs/protocol.md)
)

// Twilio codes of field validation.
const (
	codeFriendlyNameMissing  = 50000
	codeFriendlyNameTooLong  = 50003
	codeUniqueNameTooLong    = 50004
	codeAttributesTooLong    = 50303
	codeAttributesInvalid    = 50304
	codeUniqueNameIsSID      = 50306
	codeIdentityMissing      = 50204
	codeIdentityIsSID        = 50206
	codeIdentityTooLong      = 50207
	codeAuthorTooLong        = 50310
	codeBodyMissing          = 50503
	codeBodyTooLong          = 50504
	codeLastUpdatedByTooLong = 50505
	codeInvalidLimit         = 50061
	codeChannelNoUpdate      = 50347
)

func invalid(code int, format string, args ...any) error {
	return model.Errorf(model.KindInvalid, code, format, args...)
}

func missing(param string) error {
	return invalid(model.CodeInvalidParam, "Missing required parameter %s in the post body", param)
}

// checkAttributes validates an attributes document: valid JSON, at most
// MaxAttributes bytes. "" is accepted and stored as "{}" by the callers.
func checkAttributes(s string) error {
	if len(s) > MaxAttributes {
		return invalid(codeAttributesTooLong, "Attributes too long: at most %d bytes", MaxAttributes)
	}
	if s != "" && !json.Valid([]byte(s)) {
		return invalid(codeAttributesInvalid, "Attributes must be a valid JSON document")
	}
	return nil
}

// attributesOrEmpty returns s, or "{}" when s is empty.
func attributesOrEmpty(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}

// checkLen validates that s holds at most max characters and is valid UTF-8.
func checkLen(param string, s string, max, code int) error {
	if !utf8.ValidString(s) {
		return invalid(model.CodeInvalidParam, "Invalid parameter %s: not valid UTF-8", param)
	}
	if utf8.RuneCountInString(s) > max {
		return invalid(code, "Invalid parameter %s: at most %d characters", param, max)
	}
	return nil
}

// checkIdentity validates a user identity.
func checkIdentity(identity string) error {
	if identity == "" {
		return invalid(codeIdentityMissing, "Missing required parameter Identity in the post body")
	}
	if model.IsSID(model.PrefixUser, identity) {
		return invalid(codeIdentityIsSID, "Identity cannot match the User SID pattern")
	}
	return checkLen("Identity", identity, MaxIdentity, codeIdentityTooLong)
}

// checkUniqueName validates a channel unique name ("" clears it).
func checkUniqueName(name string) error {
	if model.IsSID(model.PrefixChannel, name) {
		return invalid(codeUniqueNameIsSID, "UniqueName cannot match the Channel SID pattern")
	}
	return checkLen("UniqueName", name, MaxUniqueName, codeUniqueNameTooLong)
}

// notFound is the generic miss; restapi words it with the request path.
func notFound(what string) error {
	return model.Errorf(model.KindNotFound, model.CodeNotFound, "%s not found", what)
}
