package model

import (
	"context"
	"time"
)

// EventType names an event, as clients see it.
type EventType string

// The events core emits after a successful write.
const (
	EventMessageAdded   EventType = "messageAdded"
	EventMessageUpdated EventType = "messageUpdated"
	EventMessageRemoved EventType = "messageRemoved"
	EventMemberJoined   EventType = "memberJoined"
	EventMemberLeft     EventType = "memberLeft"
	EventMemberUpdated  EventType = "memberUpdated"
	EventChannelAdded   EventType = "channelAdded"
	EventChannelUpdated EventType = "channelUpdated"
	EventChannelRemoved EventType = "channelRemoved"
	EventChannelInvited EventType = "channelInvited"
	EventInviteRemoved  EventType = "inviteRemoved"
	EventUserAdded      EventType = "userAdded"
	EventUserUpdated    EventType = "userUpdated"
	EventUserRemoved    EventType = "userRemoved"
	EventServiceRemoved EventType = "serviceRemoved"
	EventServiceUpdated EventType = "serviceUpdated"
	EventRoleUpdated    EventType = "roleUpdated"
	EventRoleRemoved    EventType = "roleRemoved"
	// EventTypingStarted and EventTypingEnded are ephemeral: they change
	// nothing stored and carry no Seq.
	EventTypingStarted EventType = "typingStarted"
	EventTypingEnded   EventType = "typingEnded"
)

// Source tells which door an action came in by.
type Source string

// The sources of actions.
const (
	SourceAPI Source = "API" // the REST API, with account credentials
	SourceSDK Source = "SDK" // an end user, over MQTT or an SDK
)

// Event is the record of one change, emitted by core after the change is
// durable. Exactly the entity fields that apply are set.
type Event struct {
	Type       EventType
	Source     Source
	Actor      string // identity of the end user who acted; "" for the REST API
	AccountSID string
	ServiceSID string
	ChannelSID string
	// Seq and Epoch place a channel event in its channel's event stream
	// (Channel.Seq, Channel.Epoch): within one epoch, the events of a
	// channel that change its state carry Seq 1, 2, 3... with no gaps, in
	// the order the store applied the writes. Zero and "" for events that
	// are not channel events, and for ephemeral ones (typing).
	Seq   int64
	Epoch string
	// WebhooksEnabled carries X-Twilio-Webhook-Enabled for REST actions.
	WebhooksEnabled bool
	Time            time.Time
	Service         *Service
	Channel         *Channel
	Member          *Member
	Message         *Message
	Invite          *Invite
	User            *User
	Role            *Role
	// Identity and Timeout describe typing events: who is typing and, on
	// typingStarted, the service's typing indicator timeout in seconds.
	Identity string
	Timeout  int
	// IsOnline and IsNotifiable are the user's reachability on userUpdated
	// events of a service with reachability enabled; nil otherwise.
	IsOnline     *bool
	IsNotifiable *bool
}

// EventSink receives every event core emits. Publish must not block for
// long: it is called on the path that answers the caller.
type EventSink interface {
	Publish(ctx context.Context, ev Event)
}

// EventSinkFunc adapts a function to EventSink.
type EventSinkFunc func(ctx context.Context, ev Event)

// Publish calls f.
func (f EventSinkFunc) Publish(ctx context.Context, ev Event) { f(ctx, ev) }
