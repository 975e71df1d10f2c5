package hooks

import (
	"errors"
	"testing"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/parleychat/parley/model"
)

// TestDenyReturnsBareCodes guards mochi v2.7.9's type assertion in
// processPublish (server.go:921): a refusal of an MQTT 5 QoS 1 publish must
// be a packets.Code value itself, never a wrapped one, or the broker panics.
// QoS 0 refusals must be ErrRejectPacket (no PUBACK is owed).
func TestDenyReturnsBareCodes(t *testing.T) {
	h := &Hook{}
	cl := &mqtt.Client{}
	cl.Properties.ProtocolVersion = 5
	kinds := []model.Kind{model.KindInvalid, model.KindNotFound, model.KindConflict, model.KindForbidden,
		model.KindUnauthenticated, model.KindTooLarge, model.KindRateLimited, model.KindUnavailable, model.KindInternal}
	for _, k := range kinds {
		code := codeFor(model.Errorf(k, 20001, "refused"))
		pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, PacketID: 7}
		_, err := h.deny(cl, pk, *code)
		c, ok := err.(packets.Code) // exactly mochi's assertion
		if !ok || c.Code < 0x80 || c.Reason == "" {
			t.Errorf("kind %v: deny returned %#v; want a bare packets.Code >= 0x80 with a reason", k, err)
		}
		pk.FixedHeader.Qos = 0
		if _, err := h.deny(cl, pk, *code); !errors.Is(err, packets.ErrRejectPacket) {
			t.Errorf("kind %v at QoS 0: deny returned %v; want ErrRejectPacket", k, err)
		}
	}
}
