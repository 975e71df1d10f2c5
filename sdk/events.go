package sdk

import (
	"github.com/parleychat/parley/wire"
)

// Resources as Parley sends them (docs/protocol.md): the REST API's JSON
// shapes without url and links.
type (
	// Message is a chat message.
	Message = wire.Message
	// Member is a channel member.
	Member = wire.Member
	// Channel is a channel.
	Channel = wire.Channel
	// ChannelDescriptor is a channel as the connected user sees it: the
	// channel plus the user's status, read horizon and unread count.
	ChannelDescriptor = wire.ChannelDescriptor
	// User is a user of the service.
	User = wire.User
	// Invite is a pending invitation to a channel.
	Invite = wire.Invite
)

// EventType names an event. The types that docs/protocol.md defines keep
// their wire names; the SDK adds a few of its own (connection state and
// token lifecycle).
type EventType string

// Channel events (delivered per channel in seq and index order).
const (
	MessageAdded   EventType = "messageAdded"
	MessageUpdated EventType = "messageUpdated"
	MessageRemoved EventType = "messageRemoved"
	MemberJoined   EventType = "memberJoined"
	MemberLeft     EventType = "memberLeft"
	MemberUpdated  EventType = "memberUpdated"
	// ChannelUpdated and ChannelRemoved arrive both as channel events and,
	// with Event.Inbox set, as user events.
	ChannelUpdated EventType = "channelUpdated"
	ChannelRemoved EventType = "channelRemoved"
	// TypingStarted and TypingEnded are ephemeral (no Seq).
	TypingStarted EventType = "typingStarted"
	TypingEnded   EventType = "typingEnded"
)

// User events (the connected user's inbox; Event.Inbox is true).
const (
	ChannelAdded       EventType = "channelAdded"
	ChannelJoined      EventType = "channelJoined"
	ChannelInvited     EventType = "channelInvited"
	ChannelLeft        EventType = "channelLeft"
	UserUpdated        EventType = "userUpdated"
	TokenAboutToExpire EventType = "tokenAboutToExpire"
)

// Events the SDK itself raises.
const (
	// ConnectionStateChanged reports Event.State, the new connection state.
	ConnectionStateChanged EventType = "connectionStateChanged"
	// TokenExpired: the token lapsed (the server disconnected with 0xA0 or
	// refused it) and no new one could be obtained; Event.Err says why.
	TokenExpired EventType = "tokenExpired"
	// TokenUpdated: the token was refreshed in band after
	// tokenAboutToExpire; Event.Expires is the new expiry.
	TokenUpdated EventType = "tokenUpdated"
	// TokenRefreshFailed: the TokenProvider or updateToken failed after
	// tokenAboutToExpire; Event.Err says why. TokenExpired follows if the
	// token lapses.
	TokenRefreshFailed EventType = "tokenRefreshFailed"
)

// Event is one event for the application. Exactly the fields that apply to
// Type are set.
type Event struct {
	Type EventType
	// ChannelSID is set on channel events and on user events about a
	// channel.
	ChannelSID string
	// Seq and Epoch place a channel event in its channel's stream; zero for
	// typing events, user events and messages delivered by catch-up.
	Seq   int64
	Epoch string
	// Index is the message index of message events.
	Index *int64
	// Time is when the change happened (RFC 3339, milliseconds).
	Time string
	// Actor is the identity of the end user who acted ("" for REST).
	Actor string
	// Inbox is true for events that came on the user's inbox topic.
	Inbox bool
	// CatchUp is true for messages fetched by index after a disconnect or
	// a detected gap rather than received live.
	CatchUp bool

	Message *Message
	Member  *Member
	Channel *Channel
	User    *User
	Invite  *Invite

	// Identity and Timeout (seconds) describe typing events.
	Identity string
	Timeout  int
	// Expires is set on tokenAboutToExpire and tokenUpdated.
	Expires string

	// State is set on connectionStateChanged.
	State State
	// Err explains tokenExpired and tokenRefreshFailed.
	Err error
}

// fromWire converts a received event.
func fromWire(w *wire.Event, inbox bool) Event {
	return Event{Type: EventType(w.Type), ChannelSID: w.ChannelSID, Seq: w.Seq, Epoch: w.Epoch, Index: w.Index,
		Time: w.Time, Actor: w.Actor, Inbox: inbox, Message: w.Message, Member: w.Member, Channel: w.Channel,
		User: w.User, Invite: w.Invite, Identity: w.Identity, Timeout: w.Timeout, Expires: w.Expires}
}
