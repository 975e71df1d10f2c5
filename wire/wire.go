// Package wire defines the JSON that travels over MQTT between Parley and
// its clients: events, RPC envelopes and the resources they carry (in the
// REST API's JSON shape without url and links). docs/protocol.md is the
// prose of the same contract. The broker, the hooks and the Go SDK share
// these types so the two ends cannot drift apart.
package wire

import (
	"encoding/json"
	"time"

	"github.com/parleychat/parley/model"
)

// TimeFormat is the time format of events (RFC 3339 with milliseconds);
// resource dates keep the REST API's second precision.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

func date(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Message is a message as clients see it.
type Message struct {
	SID           string  `json:"sid"`
	ServiceSID    string  `json:"service_sid"`
	ChannelSID    string  `json:"channel_sid"`
	Index         int64   `json:"index"`
	From          string  `json:"from"`
	Body          string  `json:"body"`
	Attributes    string  `json:"attributes"`
	Type          string  `json:"type"`
	Media         *Media  `json:"media"`
	LastUpdatedBy *string `json:"last_updated_by"`
	WasEdited     bool    `json:"was_edited"`
	DateCreated   string  `json:"date_created"`
	DateUpdated   string  `json:"date_updated"`
}

// Media describes a message's media.
type Media struct {
	SID         string `json:"sid"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	Filename    string `json:"filename"`
}

// FromMessage converts a stored message.
func FromMessage(m *model.Message) *Message {
	w := &Message{SID: m.SID, ServiceSID: m.ServiceSID, ChannelSID: m.ChannelSID, Index: m.Index, From: m.From,
		Body: m.Body, Attributes: m.Attributes, Type: string(m.Type), LastUpdatedBy: nullable(m.LastUpdatedBy),
		WasEdited: m.WasEdited, DateCreated: date(m.DateCreated), DateUpdated: date(m.DateUpdated)}
	if m.Media != nil {
		w.Media = &Media{SID: m.Media.SID, Size: m.Media.Size, ContentType: m.Media.ContentType, Filename: m.Media.Filename}
	}
	return w
}

// Member is a channel member as clients see it.
type Member struct {
	SID                      string  `json:"sid"`
	ServiceSID               string  `json:"service_sid"`
	ChannelSID               string  `json:"channel_sid"`
	Identity                 string  `json:"identity"`
	RoleSID                  string  `json:"role_sid"`
	LastConsumedMessageIndex *int64  `json:"last_consumed_message_index"`
	LastConsumptionTimestamp *string `json:"last_consumption_timestamp"`
	Attributes               string  `json:"attributes"`
	DateCreated              string  `json:"date_created"`
	DateUpdated              string  `json:"date_updated"`
}

// FromMember converts a stored member.
func FromMember(m *model.Member) *Member {
	w := &Member{SID: m.SID, ServiceSID: m.ServiceSID, ChannelSID: m.ChannelSID, Identity: m.Identity,
		RoleSID: m.RoleSID, LastConsumedMessageIndex: m.LastConsumedMessageIndex, Attributes: m.Attributes,
		DateCreated: date(m.DateCreated), DateUpdated: date(m.DateUpdated)}
	if m.LastConsumptionTimestamp != nil {
		s := date(*m.LastConsumptionTimestamp)
		w.LastConsumptionTimestamp = &s
	}
	return w
}

// Channel is a channel as clients see it.
type Channel struct {
	SID           string  `json:"sid"`
	ServiceSID    string  `json:"service_sid"`
	FriendlyName  *string `json:"friendly_name"`
	UniqueName    *string `json:"unique_name"`
	Attributes    string  `json:"attributes"`
	Type          string  `json:"type"`
	CreatedBy     string  `json:"created_by"`
	MembersCount  int     `json:"members_count"`
	MessagesCount int     `json:"messages_count"`
	DateCreated   string  `json:"date_created"`
	DateUpdated   string  `json:"date_updated"`
}

// FromChannel converts a stored channel.
func FromChannel(c *model.Channel) *Channel {
	return &Channel{SID: c.SID, ServiceSID: c.ServiceSID, FriendlyName: nullable(c.FriendlyName),
		UniqueName: nullable(c.UniqueName), Attributes: c.Attributes, Type: string(c.Type), CreatedBy: c.CreatedBy,
		MembersCount: c.MembersCount, MessagesCount: c.MessagesCount, DateCreated: date(c.DateCreated),
		DateUpdated: date(c.DateUpdated)}
}

// LastMessage locates a channel's newest message in a descriptor.
type LastMessage struct {
	Index       int64  `json:"index"`
	DateCreated string `json:"date_created"`
}

// ChannelDescriptor is a channel as one user sees it: the channel and the
// user's standing in it.
type ChannelDescriptor struct {
	Channel
	Status                   string       `json:"status"` // joined, invited or notParticipating
	LastConsumedMessageIndex *int64       `json:"last_consumed_message_index"`
	UnreadMessagesCount      *int         `json:"unread_messages_count"`
	NotificationLevel        string       `json:"notification_level"`
	LastMessage              *LastMessage `json:"last_message"`
}

// User is a user as clients see it.
type User struct {
	SID                 string  `json:"sid"`
	ServiceSID          string  `json:"service_sid"`
	Identity            string  `json:"identity"`
	FriendlyName        *string `json:"friendly_name"`
	Attributes          string  `json:"attributes"`
	RoleSID             string  `json:"role_sid"`
	IsOnline            *bool   `json:"is_online"`
	IsNotifiable        *bool   `json:"is_notifiable"`
	JoinedChannelsCount int     `json:"joined_channels_count"`
	DateCreated         string  `json:"date_created"`
	DateUpdated         string  `json:"date_updated"`
}

// FromUser converts a stored user.
func FromUser(u *model.User) *User {
	return &User{SID: u.SID, ServiceSID: u.ServiceSID, Identity: u.Identity, FriendlyName: nullable(u.FriendlyName),
		Attributes: u.Attributes, RoleSID: u.RoleSID, JoinedChannelsCount: u.JoinedChannelsCount,
		DateCreated: date(u.DateCreated), DateUpdated: date(u.DateUpdated)}
}

// Invite is a pending invitation as clients see it.
type Invite struct {
	SID         string `json:"sid"`
	ServiceSID  string `json:"service_sid"`
	ChannelSID  string `json:"channel_sid"`
	Identity    string `json:"identity"`
	RoleSID     string `json:"role_sid"`
	CreatedBy   string `json:"created_by"`
	DateCreated string `json:"date_created"`
	DateUpdated string `json:"date_updated"`
}

// FromInvite converts a stored invite.
func FromInvite(in *model.Invite) *Invite {
	return &Invite{SID: in.SID, ServiceSID: in.ServiceSID, ChannelSID: in.ChannelSID, Identity: in.Identity,
		RoleSID: in.RoleSID, CreatedBy: in.CreatedBy, DateCreated: date(in.DateCreated), DateUpdated: date(in.DateUpdated)}
}

// Event is every event's envelope (docs/protocol.md, Events).
type Event struct {
	Type       string   `json:"type"`
	ServiceSID string   `json:"service_sid"`
	ChannelSID string   `json:"channel_sid,omitempty"`
	Seq        int64    `json:"seq,omitempty"`
	Epoch      string   `json:"epoch,omitempty"`
	Index      *int64   `json:"index,omitempty"`
	Time       string   `json:"time"`
	Actor      string   `json:"actor,omitempty"`
	Message    *Message `json:"message,omitempty"`
	Member     *Member  `json:"member,omitempty"`
	Channel    *Channel `json:"channel,omitempty"`
	User       *User    `json:"user,omitempty"`
	Invite     *Invite  `json:"invite,omitempty"`
	// Identity and Timeout are set on typing events.
	Identity string `json:"identity,omitempty"`
	Timeout  int    `json:"timeout,omitempty"`
	// Expires is set on tokenAboutToExpire.
	Expires string `json:"expires,omitempty"`
}

// Request is the envelope fields of an RPC request; the command's arguments
// sit beside them in the same JSON object. ID and ReplyTo are how MQTT 3.1.1
// clients, which lack response topics, correlate replies.
type Request struct {
	ID      string `json:"id,omitempty"`
	ReplyTo string `json:"reply_to,omitempty"`
}

// Reply is an RPC reply.
type Reply struct {
	ID     string          `json:"id,omitempty"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Error is a failed RPC's error: Twilio's code, a message, and the HTTP
// status the REST API would give.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// Page is one page of an RPC list.
type Page[T any] struct {
	Items             []T     `json:"items"`
	NextPageToken     *string `json:"next_page_token"`
	PreviousPageToken *string `json:"previous_page_token"`
}
