package broker

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/wire"
)

// startEvents returns a started broker without listeners, its publisher,
// and the seqs delivered on one channel's events topic.
func startEvents(t *testing.T) (*Events, <-chan int64) {
	t.Helper()
	b, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	e := NewEvents(b)
	t.Cleanup(func() { e.Close(); b.Close() })
	got := make(chan int64, 100)
	err = b.Server.Subscribe(ChannelTopic("IS1", "CH1", "events"), 1, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		var w wire.Event
		if err := json.Unmarshal(pk.Payload, &w); err != nil {
			t.Errorf("bad event JSON %s", pk.Payload)
		}
		got <- w.Seq
	})
	if err != nil {
		t.Fatal(err)
	}
	return e, got
}

func memberEvent(seq int64) model.Event {
	return model.Event{Type: model.EventMemberUpdated, ServiceSID: "IS1", ChannelSID: "CH1", Seq: seq, Epoch: "e1",
		Time: time.Now(), Member: &model.Member{SID: "MB1", ChannelSID: "CH1"}}
}

func recv(t *testing.T, got <-chan int64, within time.Duration) int64 {
	t.Helper()
	select {
	case s := <-got:
		return s
	case <-time.After(within):
		t.Fatal("no delivery")
		return 0
	}
}

// Events emitted out of seq order reach subscribers in seq order.
func TestEventsReorder(t *testing.T) {
	e, got := startEvents(t)
	ctx := context.Background()
	e.Publish(ctx, memberEvent(1))
	if s := recv(t, got, time.Second); s != 1 {
		t.Fatalf("first delivery seq %d", s)
	}
	e.Publish(ctx, memberEvent(3))
	e.Publish(ctx, memberEvent(2))
	for _, want := range []int64{2, 3} {
		if s := recv(t, got, time.Second); s != want {
			t.Fatalf("delivered seq %d, want %d", s, want)
		}
	}
}

// A missing seq is waited for ReorderHold at most, then skipped.
func TestEventsGiveUpOnGap(t *testing.T) {
	e, got := startEvents(t)
	ctx := context.Background()
	e.Publish(ctx, memberEvent(1))
	recv(t, got, time.Second)
	start := time.Now()
	e.Publish(ctx, memberEvent(3))
	if s := recv(t, got, time.Second); s != 3 {
		t.Fatalf("delivered seq %d, want 3", s)
	}
	if d := time.Since(start); d < ReorderHold-5*time.Millisecond || d > ReorderHold+500*time.Millisecond {
		t.Errorf("held %v, want about %v", d, ReorderHold)
	}
	e.Publish(ctx, memberEvent(2)) // late: delivered, not dropped
	if s := recv(t, got, time.Second); s != 2 {
		t.Fatalf("late seq %d", s)
	}
}
