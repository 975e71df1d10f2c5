package broker

import (
	"context"
	"fmt"
	"log/slog"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// redactHandler is the slog handler mochi logs through. mochi logs whole
// packets and wills (with their payloads: message bodies, tokens in
// CONNECT passwords) at up to ERROR level, for example every publish a hook
// refuses; the handler replaces each such value by a summary without
// payload, password or properties, so no message content reaches the logs.
type redactHandler struct {
	h slog.Handler
}

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return redactHandler{h: r.h.WithAttrs(red)}
}

func (r redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h: r.h.WithGroup(name)}
}

// redactAttr returns a with packets and wills summarised.
func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, e := range g {
			red[i] = redactAttr(e)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case packets.Packet:
			return slog.String(a.Key, packetSummary(&x))
		case *packets.Packet:
			if x == nil {
				return a
			}
			return slog.String(a.Key, packetSummary(x))
		case mqtt.Will:
			return slog.String(a.Key, fmt.Sprintf("will topic=%q qos=%d bytes=%d", x.TopicName, x.Qos, len(x.Payload)))
		case *mqtt.Will:
			if x == nil {
				return a
			}
			return slog.String(a.Key, fmt.Sprintf("will topic=%q qos=%d bytes=%d", x.TopicName, x.Qos, len(x.Payload)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// packetSummary describes a packet by its type, topic, QoS, id and payload
// size only.
func packetSummary(pk *packets.Packet) string {
	name, ok := packets.PacketNames[pk.FixedHeader.Type]
	if !ok {
		name = fmt.Sprintf("type%d", pk.FixedHeader.Type)
	}
	return fmt.Sprintf("%s topic=%q qos=%d id=%d bytes=%d", name, pk.TopicName, pk.FixedHeader.Qos, pk.PacketID, len(pk.Payload))
}
