package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/parleychat/parley/wire"
)

// Session describes the connection as the server sees it.
type Session struct {
	Identity     string `json:"identity"`
	UserSID      string `json:"user_sid"`
	ServiceSID   string `json:"service_sid"`
	TokenExpires string `json:"token_expires"`
	User         *User  `json:"user"`
}

// Session asks the server who this connection is.
func (c *Client) Session(ctx context.Context) (*Session, error) {
	var s Session
	if err := c.call(ctx, "session", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// UpdateToken replaces the connection's token in band (same identity and
// service) and returns its expiry. The SDK calls it itself on
// tokenAboutToExpire when Config.TokenProvider is set.
func (c *Client) UpdateToken(ctx context.Context, token string) (time.Time, error) {
	var r struct {
		TokenExpires string `json:"token_expires"`
	}
	if err := c.call(ctx, "updateToken", map[string]string{"token": token}, &r); err != nil {
		return time.Time{}, err
	}
	c.mu.Lock()
	c.token, c.tokenBad = token, false
	c.mu.Unlock()
	exp, _ := time.Parse(time.RFC3339, r.TokenExpires)
	return exp, nil
}

// PageOptions asks for one page of a list: Size items (zero: the server's
// default) from Token (empty: the first page).
type PageOptions struct {
	Size  int
	Token string
}

func (p PageOptions) args(into map[string]any) map[string]any {
	if into == nil {
		into = map[string]any{}
	}
	if p.Size > 0 {
		into["page_size"] = p.Size
	}
	if p.Token != "" {
		into["page_token"] = p.Token
	}
	return into
}

// Page is one page of a list. NextToken and PrevToken are empty at the
// ends; pass them in PageOptions.Token.
type Page[T any] struct {
	Items     []T
	NextToken string
	PrevToken string
}

func toPage[T any](w wire.Page[T]) *Page[T] {
	p := &Page[T]{Items: w.Items}
	if w.NextPageToken != nil {
		p.NextToken = *w.NextPageToken
	}
	if w.PreviousPageToken != nil {
		p.PrevToken = *w.PreviousPageToken
	}
	return p
}

func pageCall[T any](ctx context.Context, c *Client, command string, args map[string]any) (*Page[T], error) {
	var w wire.Page[T]
	if err := c.call(ctx, command, args, &w); err != nil {
		return nil, err
	}
	return toPage(w), nil
}

// PublicChannelDescriptors returns a page of the service's public channels.
func (c *Client) PublicChannelDescriptors(ctx context.Context, p PageOptions) (*Page[ChannelDescriptor], error) {
	return pageCall[ChannelDescriptor](ctx, c, "getPublicChannelDescriptors", p.args(nil))
}

// UserChannelDescriptors returns a page of the channels the user has joined
// or is invited to.
func (c *Client) UserChannelDescriptors(ctx context.Context, p PageOptions) (*Page[ChannelDescriptor], error) {
	return pageCall[ChannelDescriptor](ctx, c, "getUserChannelDescriptors", p.args(nil))
}

// GetChannel returns a channel by SID or unique name.
func (c *Client) GetChannel(ctx context.Context, channel string) (*ChannelDescriptor, error) {
	var d ChannelDescriptor
	if err := c.call(ctx, "getChannel", map[string]string{"channel": channel}, &d); err != nil {
		return nil, err
	}
	if d.UniqueName != nil {
		c.mu.Lock()
		c.names[*d.UniqueName] = d.SID
		c.mu.Unlock()
	}
	return &d, nil
}

// ChannelType is public or private.
type ChannelType string

// Channel types.
const (
	Public  ChannelType = "public"
	Private ChannelType = "private"
)

// ChannelOptions describes a new channel.
type ChannelOptions struct {
	FriendlyName string
	UniqueName   string
	Type         ChannelType // default public
	Attributes   string      // a JSON document
}

// CreateChannel creates a channel. As in Twilio's model the creator is not
// joined: call Join.
func (c *Client) CreateChannel(ctx context.Context, o ChannelOptions) (*Channel, error) {
	args := map[string]string{}
	for k, v := range map[string]string{"friendly_name": o.FriendlyName, "unique_name": o.UniqueName,
		"type": string(o.Type), "attributes": o.Attributes} {
		if v != "" {
			args[k] = v
		}
	}
	var ch Channel
	if err := c.call(ctx, "createChannel", args, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// ChannelUpdate changes the fields that are not nil.
type ChannelUpdate struct {
	FriendlyName *string
	UniqueName   *string
	Attributes   *string
}

// UpdateChannel changes a channel's names or attributes.
func (c *Client) UpdateChannel(ctx context.Context, channel string, u ChannelUpdate) (*Channel, error) {
	args := map[string]any{"channel": channel}
	if u.FriendlyName != nil {
		args["friendly_name"] = *u.FriendlyName
	}
	if u.UniqueName != nil {
		args["unique_name"] = *u.UniqueName
	}
	if u.Attributes != nil {
		args["attributes"] = *u.Attributes
	}
	var ch Channel
	if err := c.call(ctx, "updateChannel", args, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// Join joins a public channel, or accepts an invitation to any channel. The
// client then follows the channel's events.
func (c *Client) Join(ctx context.Context, channel string) (*Member, error) {
	var m Member
	if err := c.call(ctx, "joinChannel", map[string]string{"channel": channel}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Leave leaves a channel.
func (c *Client) Leave(ctx context.Context, channel string) error {
	return c.call(ctx, "leaveChannel", map[string]string{"channel": channel}, nil)
}

// Decline declines an invitation to a channel.
func (c *Client) Decline(ctx context.Context, channel string) error {
	return c.call(ctx, "declineInvitation", map[string]string{"channel": channel}, nil)
}

// Destroy deletes a channel with its members and messages (Twilio's
// channel.delete()).
func (c *Client) Destroy(ctx context.Context, channel string) error {
	return c.call(ctx, "destroyChannel", map[string]string{"channel": channel}, nil)
}

// AddMember adds a user to a channel.
func (c *Client) AddMember(ctx context.Context, channel, identity string) (*Member, error) {
	var m Member
	if err := c.call(ctx, "addMember", map[string]string{"channel": channel, "identity": identity}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// InviteMember invites a user to a channel.
func (c *Client) InviteMember(ctx context.Context, channel, identity string) (*Invite, error) {
	var in Invite
	if err := c.call(ctx, "inviteMember", map[string]string{"channel": channel, "identity": identity}, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// RemoveMember removes a member, named by identity or member SID (MB...).
func (c *Client) RemoveMember(ctx context.Context, channel, member string) error {
	args := map[string]string{"channel": channel, "identity": member}
	if strings.HasPrefix(member, "MB") && len(member) == 34 {
		args = map[string]string{"channel": channel, "member_sid": member}
	}
	return c.call(ctx, "removeMember", args, nil)
}

// GetMembers returns a page of a channel's members.
func (c *Client) GetMembers(ctx context.Context, channel string, p PageOptions) (*Page[Member], error) {
	return pageCall[Member](ctx, c, "getMembers", p.args(map[string]any{"channel": channel}))
}

// NewMessage is a message to send.
type NewMessage struct {
	Body       string
	Attributes string // a JSON document, optional
	// ClientMessageID makes retries idempotent; empty lets the SDK
	// generate one, used for every retry of this send.
	ClientMessageID string
}

// SendResult locates a sent message.
type SendResult struct {
	Index int64
	SID   string
}

// SendMessage sends a message and returns its index and SID once it is
// stored. The send is an MQTT 5 publish acknowledged with the index; if the
// connection drops before the acknowledgement, the SDK waits for the next
// connection and sends again with the same client message id, so the
// message is stored once whatever happens, until ctx ends.
func (c *Client) SendMessage(ctx context.Context, channel string, m NewMessage) (SendResult, error) {
	sid, err := c.channelSID(ctx, channel)
	if err != nil {
		return SendResult{}, err
	}
	if m.ClientMessageID == "" {
		m.ClientMessageID = "sdk-" + randomID()
	}
	payload, _ := json.Marshal(map[string]string{"body": m.Body, "attributes": m.Attributes,
		"client_message_id": m.ClientMessageID})
	if m.Attributes == "" {
		payload, _ = json.Marshal(map[string]string{"body": m.Body, "client_message_id": m.ClientMessageID})
	}
	topic := "chat/" + c.ServiceSID() + "/channels/" + sid + "/messages"
	for {
		if _, err := c.awaitReady(ctx); err != nil {
			return SendResult{}, fmt.Errorf("sdk: send: %w", err)
		}
		actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
		r, err := c.conn().Publish(actx, &paho.Publish{Topic: topic, QoS: 1, Payload: payload,
			Properties: &paho.PublishProperties{ContentType: "application/json"}})
		cancel()
		if r != nil && r.ReasonCode >= 0x80 {
			reason := ""
			if r.Properties != nil {
				reason = r.Properties.ReasonString
			}
			return SendResult{}, pubackError(r.ReasonCode, reason)
		}
		if err == nil && r != nil {
			var res SendResult
			if r.Properties != nil {
				res.SID = r.Properties.User.Get("parley-message-sid")
				res.Index, err = strconv.ParseInt(r.Properties.User.Get("parley-index"), 10, 64)
			}
			if r.Properties == nil || err != nil {
				return SendResult{}, errors.New("sdk: send: the PUBACK carries no parley-index")
			}
			return res, nil
		}
		if ctx.Err() != nil {
			return SendResult{}, fmt.Errorf("sdk: send: %w", ctx.Err())
		}
		c.log.Debug("parley: send attempt failed; retrying", "err", err)
		if errors.Is(err, autopaho.ConnectionDownError) {
			continue // awaitReady waits for the next connection
		}
		select { // let a dying connection finish dropping
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// channelSID resolves a channel key (SID or unique name) to its SID.
func (c *Client) channelSID(ctx context.Context, key string) (string, error) {
	if strings.HasPrefix(key, "CH") && len(key) == 34 {
		return key, nil
	}
	c.mu.Lock()
	sid := c.names[key]
	c.mu.Unlock()
	if sid != "" {
		return sid, nil
	}
	d, err := c.GetChannel(ctx, key)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.names[key] = d.SID
	c.mu.Unlock()
	return d.SID, nil
}

// Direction is the direction of a history page from its anchor.
type Direction string

// Directions.
const (
	Backwards Direction = "backwards"
	Forward   Direction = "forward"
)

// GetMessages returns up to pageSize messages (zero: 30; at most 100) in
// ascending index order: from anchor forward, or ending at anchor going
// backwards. A nil anchor means the end (backwards) or the start (forward).
func (c *Client) GetMessages(ctx context.Context, channel string, pageSize int, anchor *int64, dir Direction) ([]Message, error) {
	args := map[string]any{"channel": channel}
	if pageSize > 0 {
		args["page_size"] = pageSize
	}
	if anchor != nil {
		args["anchor"] = *anchor
	}
	if dir != "" {
		args["direction"] = string(dir)
	}
	var r struct {
		Items []Message `json:"items"`
	}
	if err := c.call(ctx, "getMessages", args, &r); err != nil {
		return nil, err
	}
	return r.Items, nil
}

// MessageUpdate changes the fields that are not nil.
type MessageUpdate struct {
	Body       *string
	Attributes *string
}

// EditMessage changes a message's body or attributes.
func (c *Client) EditMessage(ctx context.Context, channel string, index int64, u MessageUpdate) (*Message, error) {
	args := map[string]any{"channel": channel, "index": index}
	if u.Body != nil {
		args["body"] = *u.Body
	}
	if u.Attributes != nil {
		args["attributes"] = *u.Attributes
	}
	var m Message
	if err := c.call(ctx, "editMessage", args, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// DeleteMessage deletes a message.
func (c *Client) DeleteMessage(ctx context.Context, channel string, index int64) error {
	return c.call(ctx, "deleteMessage", map[string]any{"channel": channel, "index": index}, nil)
}

// Typing tells the channel's members that the user is typing. Call it on
// every keystroke: the SDK sends at most one signal per three quarters of
// the service's typing timeout (learnt from typingStarted events; 5 s
// until then), so the indicator stays on without flooding the server.
func (c *Client) Typing(ctx context.Context, channel string) error {
	sid, err := c.channelSID(ctx, channel)
	if err != nil {
		return err
	}
	now := time.Now()
	c.mu.Lock()
	every := c.typingEvery * 3 / 4
	if last, ok := c.typingSent[sid]; ok && now.Sub(last) < every {
		c.mu.Unlock()
		return nil
	}
	c.typingSent[sid] = now
	c.mu.Unlock()
	if _, err := c.awaitReady(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	r, err := c.conn().Publish(ctx, &paho.Publish{Topic: "chat/" + c.ServiceSID() + "/channels/" + sid + "/typing", QoS: 1})
	if r != nil && r.ReasonCode >= 0x80 {
		reason := ""
		if r.Properties != nil {
			reason = r.Properties.ReasonString
		}
		err = pubackError(r.ReasonCode, reason)
	}
	if err != nil {
		c.mu.Lock()
		delete(c.typingSent, sid)
		c.mu.Unlock()
		return fmt.Errorf("sdk: typing: %w", err)
	}
	return nil
}

func (c *Client) horizon(ctx context.Context, command string, args map[string]any) (int, error) {
	var r struct {
		UnreadCount int `json:"unread_count"`
	}
	if err := c.call(ctx, command, args, &r); err != nil {
		return 0, err
	}
	return r.UnreadCount, nil
}

// UpdateReadHorizon sets the user's last read message index in a channel
// (nil: nothing read) and returns the unread count.
func (c *Client) UpdateReadHorizon(ctx context.Context, channel string, index *int64) (int, error) {
	args := map[string]any{"channel": channel, "index": nil}
	if index != nil {
		args["index"] = *index
	}
	return c.horizon(ctx, "updateReadHorizon", args)
}

// AdvanceReadHorizon moves the read horizon to index unless it is already
// there or beyond, and returns the unread count.
func (c *Client) AdvanceReadHorizon(ctx context.Context, channel string, index int64) (int, error) {
	return c.horizon(ctx, "advanceReadHorizon", map[string]any{"channel": channel, "index": index})
}

// SetAllMessagesRead marks every message of a channel read (unread 0).
func (c *Client) SetAllMessagesRead(ctx context.Context, channel string) (int, error) {
	return c.horizon(ctx, "setAllMessagesRead", map[string]any{"channel": channel})
}

// SetNoMessagesRead marks every message of a channel unread.
func (c *Client) SetNoMessagesRead(ctx context.Context, channel string) (int, error) {
	return c.horizon(ctx, "setNoMessagesRead", map[string]any{"channel": channel})
}

// NotificationLevel is default or muted.
type NotificationLevel string

// Notification levels.
const (
	NotificationDefault NotificationLevel = "default"
	NotificationMuted   NotificationLevel = "muted"
)

// SetNotificationLevel sets the user's notification level in a channel.
func (c *Client) SetNotificationLevel(ctx context.Context, channel string, level NotificationLevel) (*Member, error) {
	var m Member
	if err := c.call(ctx, "setNotificationLevel", map[string]string{"channel": channel, "level": string(level)}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// GetUser returns a user of the service by identity ("" : the connected
// user).
func (c *Client) GetUser(ctx context.Context, identity string) (*User, error) {
	args := map[string]string{}
	if identity != "" {
		args["identity"] = identity
	}
	var u User
	if err := c.call(ctx, "getUser", args, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// UserUpdate changes the fields that are not nil.
type UserUpdate struct {
	FriendlyName *string
	Attributes   *string
}

// UpdateUser changes the connected user's friendly name or attributes.
func (c *Client) UpdateUser(ctx context.Context, u UserUpdate) (*User, error) {
	args := map[string]string{}
	if u.FriendlyName != nil {
		args["friendly_name"] = *u.FriendlyName
	}
	if u.Attributes != nil {
		args["attributes"] = *u.Attributes
	}
	var out User
	if err := c.call(ctx, "updateUser", args, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
