package model

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// SID prefixes, as Twilio uses them.
const (
	PrefixAccount    = "AC"
	PrefixKey        = "SK"
	PrefixService    = "IS"
	PrefixChannel    = "CH"
	PrefixMember     = "MB"
	PrefixMessage    = "IM"
	PrefixUser       = "US"
	PrefixRole       = "RL"
	PrefixInvite     = "IN"
	PrefixWebhook    = "WH"
	PrefixBinding    = "BS"
	PrefixCredential = "CR"
	PrefixMedia      = "ME"
	PrefixFlow       = "FW"
)

// NewSID returns a new SID: the two-letter prefix and 32 lowercase hex
// digits. The first 16 digits are the creation time in nanoseconds and the
// other 16 are random, so SIDs of one kind sort in creation order (creates
// made one after another never share a nanosecond); stores use that order
// for lists.
func NewSID(prefix string) string {
	return newSIDAt(prefix, time.Now())
}

func newSIDAt(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixNano()))
	if _, err := rand.Read(b[8:]); err != nil {
		panic("model: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	out := make([]byte, 34)
	copy(out, prefix)
	hex.Encode(out[2:], b[:])
	return string(out)
}

// IsSID reports whether s is a SID with the given prefix: the prefix followed
// by 32 hex digits (either case, as Twilio's spec pattern allows).
func IsSID(prefix, s string) bool {
	if len(s) != 34 || s[:2] != prefix {
		return false
	}
	for i := 2; i < 34; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// NewSecret returns n random bytes hex-encoded (2n characters), used for auth
// tokens and API key secrets. Twilio's helper libraries require credentials
// to be alphanumeric.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("model: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}
