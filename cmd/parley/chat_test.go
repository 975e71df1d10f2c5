package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/parleychat/parley/sdk"
)

// TestChatPrintsEachMessageOnce: a message shown by the opening history is
// not printed again when the SDK's catch-up delivers it as an event (it
// does when the message was sent in the same second as the join).
func TestChatPrintsEachMessageOnce(t *testing.T) {
	var out bytes.Buffer
	u := &chatUI{out: &out}
	const ch = "CH0123456789abcdef0123456789abcdef"
	u.fresh(ch, 0) // history printed index 0
	for _, i := range []int64{0, 1, 1, 2} {
		u.event(sdk.Event{Type: sdk.MessageAdded, ChannelSID: ch, Message: &sdk.Message{Index: i, From: "bob", Body: "m"}})
	}
	got := out.String()
	if strings.Contains(got, "[0]") || strings.Count(got, "[1]") != 1 || strings.Count(got, "[2]") != 1 {
		t.Errorf("printed:\n%s\nwant [1] and [2] once each and no [0]", got)
	}
}
