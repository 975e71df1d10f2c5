package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// maxClientMessageID bounds client_message_id (docs/protocol.md).
const maxClientMessageID = 64

// codeNotMember is core's error code for an end user acting as a member
// of a channel they have not joined (400/50400).
const codeNotMember = 50400

// contentTypeJSON marks an MQTT 5 send whose payload is the JSON envelope.
const contentTypeJSON = "application/json"

// sendEnvelope is the JSON form of a send.
type sendEnvelope struct {
	Body            *string `json:"body"`
	Attributes      string  `json:"attributes"`
	ClientMessageID string  `json:"client_message_id"`
}

// OnPublish turns a client's PUBLISH into a core call: a send on a
// channel's messages topic, a typing signal, or an RPC request. The raw
// publish is never forwarded (Ignore): subscribers receive the event core
// emits. A success returns the packet with Ignore set, so that mochi still
// acknowledges it, with the properties set here (index and SID of a sent
// message) echoed on the PUBACK. A refusal is a packets.Code for MQTT 5 at
// QoS 1 (a PUBACK with that code and a reason string; never wrapped: mochi
// type-asserts it and a wrapped Code crashes the broker), a silent drop at
// QoS 0, and a closed connection for MQTT 3.1.1, whose PUBACK cannot say
// no.
func (h *Hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil
	}
	c := h.conn(cl)
	if c == nil {
		return pk, packets.ErrRejectPacket
	}
	lv := strings.Split(pk.TopicName, "/")
	var props packets.Properties
	var err *packets.Code
	switch {
	case len(lv) == 5 && lv[2] == levelChannels && lv[4] == leafMessages:
		props, err = h.send(c, lv[3], pk)
	case len(lv) == 5 && lv[2] == levelChannels && lv[4] == leafTyping:
		err = h.typingSignal(c, lv[3])
	case len(lv) == 4 && lv[2] == levelRPC:
		err = h.rpc(c, lv[3], pk)
	default:
		err = &packets.Code{Code: packets.ErrTopicNameInvalid.Code, Reason: "no publishing on this topic"}
	}
	if err != nil {
		return h.deny(cl, pk, *err)
	}
	out := pk
	out.Ignore = true
	out.Properties = props
	return out, nil
}

// OnPacketRead answers a PUBLISH whose topic name mochi v2.7.9 drops
// without any acknowledgement (a $SYS topic, or one with wildcards), which
// would leave a QoS 1 publisher waiting for a PUBACK forever: an MQTT 5
// client gets PUBACK 0x90 Topic Name invalid with a reason string (mochi
// then drops the packet as before), an MQTT 3.1.1 client is disconnected as
// for any denied publish.
func (h *Hook) OnPacketRead(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Type != packets.Publish || cl.Net.Inline || mqtt.IsValidFilter(pk.TopicName, true) {
		return pk, nil
	}
	if cl.Properties.ProtocolVersion < 5 {
		return pk, packets.ErrTopicNameInvalid
	}
	ack := packets.Puback
	switch pk.FixedHeader.Qos {
	case 0:
		return pk, nil
	case 2:
		ack = packets.Pubrec
	}
	_ = cl.WritePacket(packets.Packet{FixedHeader: packets.FixedHeader{Type: ack}, PacketID: pk.PacketID,
		ReasonCode: packets.ErrTopicNameInvalid.Code,
		Properties: packets.Properties{ReasonString: "no publishing on $SYS topics or topic names with wildcards"}})
	return pk, nil
}

// deny refuses a publish in the way its protocol version and QoS allow.
func (h *Hook) deny(cl *mqtt.Client, pk packets.Packet, code packets.Code) (packets.Packet, error) {
	if cl.Properties.ProtocolVersion < 5 {
		cl.Stop(code)
		return pk, packets.ErrRejectPacket
	}
	if pk.FixedHeader.Qos == 0 {
		return pk, packets.ErrRejectPacket
	}
	return pk, code
}

// codeFor maps a core error to a PUBACK reason code and string.
func codeFor(err error) *packets.Code {
	e := model.AsError(err)
	reason := fmt.Sprintf("%s (%d)", e.Message, e.Code)
	if e.Code == codeNotMember {
		// Not a member is a refusal (docs/protocol.md), not a bad
		// payload, although core's kind for it is "invalid" (400).
		return &packets.Code{Code: packets.ErrNotAuthorized.Code, Reason: reason}
	}
	switch e.Kind {
	case model.KindInvalid, model.KindTooLarge:
		return &packets.Code{Code: packets.ErrPayloadFormatInvalid.Code, Reason: reason}
	case model.KindRateLimited:
		return &packets.Code{Code: packets.ErrQuotaExceeded.Code, Reason: reason}
	case model.KindForbidden, model.KindNotFound, model.KindUnauthenticated:
		return &packets.Code{Code: packets.ErrNotAuthorized.Code, Reason: reason}
	case model.KindUnavailable:
		return &packets.Code{Code: packets.ErrServerUnavailable.Code, Reason: reason}
	}
	return &packets.Code{Code: packets.ErrUnspecifiedError.Code, Reason: reason}
}

// send stores a message through core. The PUBACK (sent by mochi after
// OnPublish returns) therefore follows the durable write.
func (h *Hook) send(c *conn, channelSID string, pk packets.Packet) (packets.Properties, *packets.Code) {
	in := core.MessageCreate{}
	if pk.Properties.ContentType == contentTypeJSON {
		var env sendEnvelope
		if err := json.Unmarshal(pk.Payload, &env); err != nil {
			return packets.Properties{}, &packets.Code{Code: packets.ErrPayloadFormatInvalid.Code,
				Reason: "payload is not the JSON send envelope"}
		}
		if env.Body == nil {
			return packets.Properties{}, &packets.Code{Code: packets.ErrPayloadFormatInvalid.Code, Reason: "body is required"}
		}
		if len(env.ClientMessageID) > maxClientMessageID {
			return packets.Properties{}, &packets.Code{Code: packets.ErrPayloadFormatInvalid.Code,
				Reason: "client_message_id is longer than 64 characters"}
		}
		in.Body, in.Attributes, in.ClientMessageID = env.Body, env.Attributes, env.ClientMessageID
	} else {
		if !utf8.Valid(pk.Payload) {
			return packets.Properties{}, &packets.Code{Code: packets.ErrPayloadFormatInvalid.Code, Reason: "body is not UTF-8"}
		}
		body := string(pk.Payload)
		in.Body = &body
	}
	ctx, cancel := h.coreCtx()
	defer cancel()
	m, err := h.cfg.Core.CreateMessage(ctx, actor(c.sess), c.sess.ServiceSID, channelSID, in)
	if err != nil {
		return packets.Properties{}, codeFor(err)
	}
	return packets.Properties{User: []packets.UserProperty{
		{Key: PropIndex, Val: strconv.FormatInt(m.Index, 10)},
		{Key: PropMessageSID, Val: m.SID},
	}}, nil
}

// typingSignal tells core the user is typing and (re)starts the timer that
// ends it after the service's typing timeout.
func (h *Hook) typingSignal(c *conn, channelSID string) *packets.Code {
	ctx, cancel := h.coreCtx()
	defer cancel()
	timeout, err := h.cfg.Core.Typing(ctx, actor(c.sess), c.sess.ServiceSID, channelSID)
	if err != nil {
		return codeFor(err)
	}
	h.TypingStarted(c.sess.ServiceSID, channelSID, c.sess.Identity, time.Duration(timeout)*time.Second)
	return nil
}

// TypingStarted (re)starts the typing timer of identity in the channel;
// when it fires, core emits typingEnded. The typing RPC command can call it
// too.
func (h *Hook) TypingStarted(serviceSID, channelSID, identity string, timeout time.Duration) {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	k := typingKey{serviceSID: serviceSID, channelSID: channelSID, identity: identity}
	h.typingMu.Lock()
	defer h.typingMu.Unlock()
	if t, ok := h.typing[k]; ok {
		t.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(timeout, func() {
		h.typingMu.Lock()
		if h.typing[k] != t {
			h.typingMu.Unlock()
			return
		}
		delete(h.typing, k)
		h.typingMu.Unlock()
		ctx, cancel := h.coreCtx()
		defer cancel()
		h.cfg.Core.TypingEnded(ctx, core.Actor{Source: model.SourceSDK, Identity: identity}, serviceSID, channelSID)
	})
	h.typing[k] = t
}

// rpc runs a command and publishes its reply: to the MQTT 5 response topic
// (with the request's correlation data), else to the reply_to of the JSON
// envelope, else to the user's rpc topic.
func (h *Hook) rpc(c *conn, command string, pk packets.Packet) *packets.Code {
	rt := pk.Properties.ResponseTopic
	if rt != "" && !ownTopic(c.sess, rt) {
		return &packets.Code{Code: packets.ErrTopicNameInvalid.Code,
			Reason: "response topic must be under chat/" + c.sess.ServiceSID + "/users/" + c.sess.UserSID + "/"}
	}
	var reply []byte
	var replyTo string
	if h.cfg.RPC == nil {
		reply = []byte(`{"ok":false,"error":{"code":20503,"message":"RPC is not available","status":503}}`)
	} else {
		ctx, cancel := context.WithTimeout(h.ctx, h.cfg.CoreTimeout*2)
		reply, replyTo, _ = h.cfg.RPC.Handle(ctx, c.sess, command, pk.Payload)
		cancel()
	}
	topic := userTopic(c.sess, levelRPC)
	switch {
	case rt != "":
		topic = rt
	case replyTo != "":
		topic = replyTo
	}
	props := packets.Properties{ContentType: contentTypeJSON, CorrelationData: pk.Properties.CorrelationData}
	if err := h.cfg.Broker.Send(h.sys, topic, reply, props); err != nil {
		h.log.Warn("rpc reply not published", "topic", topic, "error", err)
	}
	return nil
}

// userTopic returns chat/{IS}/users/{US}/{leaf} of the session's user.
func userTopic(s *Session, leaf string) string {
	return levelRoot + "/" + s.ServiceSID + "/" + levelUsers + "/" + s.UserSID + "/" + leaf
}

// ownTopic reports whether topic is a concrete topic under the session
// user's subtree, the only place RPC replies may go.
func ownTopic(s *Session, topic string) bool {
	prefix := userTopic(s, "")
	return strings.HasPrefix(topic, prefix) && len(topic) > len(prefix) && !strings.ContainsAny(topic, "+#\x00")
}
