package core

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/parleychat/parley/model"
)

// Channel event sequences (design.md, "Messages, order and gaps"): the store
// numbers every state-changing write of a channel densely (Channel.Seq,
// Message.Seq, Member.Seq) in the write's atomic step, and core copies that
// number into the event it emits, with the channel's epoch. Core never
// computes a seq itself, so concurrent writers and several nodes cannot
// disagree about it.

// newEpoch returns the epoch of a new channel: 16 random hex digits. A
// random value (not one derived from the SID) lets a future history reset
// start a new epoch for the same channel.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// epochOf returns a channel's epoch. Channels stored before epochs existed
// have none; theirs is derived from the SID (its timestamp half, 16 hex
// digits), which is stable for the life of the channel.
func epochOf(ch *model.Channel) string {
	if ch.Epoch != "" {
		return ch.Epoch
	}
	if len(ch.SID) >= 18 {
		return ch.SID[2:18]
	}
	return ch.SID
}
