package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/wire"
)

// DefaultRPCTimeout bounds one RPC command when RPC.Timeout is zero.
const DefaultRPCTimeout = 10 * time.Second

// RPC limits of docs/protocol.md.
const (
	// DefaultMessagesPage and MaxMessagesPage are getMessages' page sizes.
	DefaultMessagesPage = 30
	MaxMessagesPage     = 100
)

// RPC is the command layer of docs/protocol.md ("RPC"): it decodes a
// request, runs the command through core as the session's end user and
// encodes the reply. It knows nothing of MQTT: the broker hands it the
// command (the last level of chat/{IS}/rpc/{command}) and the payload, and
// publishes the reply where Handle says.
type RPC struct {
	// Core runs every command. Required.
	Core *core.Core
	// Timeout bounds one command; zero means DefaultRPCTimeout.
	Timeout time.Duration
	// TypingStarted, when set, (re)arms the timer after which typingEnded
	// is emitted for the typing command, as a publish on the typing topic
	// does (the broker's Hook.TypingStarted).
	TypingStarted func(serviceSID, channelSID, identity string, timeout time.Duration)
}

// errRPC builds the error of a failed request.
func errRPC(kind model.Kind, code int, format string, args ...any) error {
	return model.Errorf(kind, code, format, args...)
}

func errBadRequest(format string, args ...any) error {
	return errRPC(model.KindInvalid, model.CodeInvalidParam, format, args...)
}

// ReplyTopic is the default reply topic of a session: its user's rpc topic.
func ReplyTopic(s *Session) string {
	return "chat/" + s.ServiceSID + "/users/" + s.UserSID + "/rpc"
}

// ValidReplyTopic reports whether a client may ask for replies on topic:
// only under its own user prefix, chat/{IS}/users/{US}/, and never a
// wildcard.
func ValidReplyTopic(s *Session, topic string) bool {
	prefix := "chat/" + s.ServiceSID + "/users/" + s.UserSID + "/"
	return strings.HasPrefix(topic, prefix) && len(topic) > len(prefix) &&
		!strings.ContainsAny(topic, "+#\x00")
}

// Handle runs one RPC request. command is the last level of the request's
// topic and payload its body (empty means no arguments). It returns the
// encoded wire.Reply, the reply topic the request asked for in its JSON
// envelope ("" when it named none, or named one the session may not use: the
// caller then uses the MQTT 5 response topic or ReplyTopic), and the
// request's id ("" when it had none).
//
// Handle never fails: every problem, from malformed JSON to a denied
// action, is an error reply with Twilio's code and the HTTP status the REST
// API would give.
func (r *RPC) Handle(ctx context.Context, s *Session, command string, payload []byte) (reply []byte, replyTo string, id string) {
	result, replyTo, id, err := r.handle(ctx, s, command, payload)
	out := wire.Reply{ID: id}
	if err == nil {
		raw, merr := json.Marshal(result)
		if merr != nil {
			err = merr
		} else {
			out.OK, out.Result = true, raw
		}
	}
	if err != nil {
		e := model.AsError(err)
		out.Error = &wire.Error{Code: e.Code, Message: e.Message, Status: e.Kind.HTTPStatus()}
	}
	reply, merr := json.Marshal(out)
	if merr != nil { // cannot happen: every field is a plain value
		reply = []byte(`{"ok":false,"error":{"code":20500,"message":"An internal server error occurred","status":500}}`)
	}
	return reply, replyTo, id
}

func (r *RPC) handle(ctx context.Context, s *Session, command string, payload []byte) (any, string, string, error) {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	var env wire.Request
	if payload[0] != '{' {
		return nil, "", "", errBadRequest("Invalid request: the payload must be a JSON object")
	}
	if err := json.Unmarshal(payload, &env); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			// The object parsed but id or reply_to is not a string.
			return nil, "", "", errBadRequest("Invalid parameter %s: want a string", te.Field)
		}
		return nil, "", "", errBadRequest("Invalid request: the payload must be a JSON object")
	}
	if env.ReplyTo != "" && !ValidReplyTopic(s, env.ReplyTo) {
		return nil, "", env.ID, errBadRequest("Invalid parameter reply_to: must be a topic under chat/%s/users/%s/",
			s.ServiceSID, s.UserSID)
	}
	h := lookup(command)
	if h == nil {
		return nil, env.ReplyTo, env.ID, errRPC(model.KindNotFound, model.CodeNotFound, "Unknown command: %q", command)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultRPCTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a := core.Actor{Source: model.SourceSDK, Identity: s.Identity}
	res, err := h(ctx, r, s, a, payload)
	return res, env.ReplyTo, env.ID, err
}

// handler runs one command with its raw request.
type handler func(ctx context.Context, r *RPC, s *Session, a core.Actor, payload []byte) (any, error)

// with adapts a command taking decoded arguments of type T.
func with[T any](f func(ctx context.Context, r *RPC, s *Session, a core.Actor, args *T) (any, error)) handler {
	return func(ctx context.Context, r *RPC, s *Session, a core.Actor, payload []byte) (any, error) {
		args := new(T)
		if err := decodeArgs(payload, args); err != nil {
			return nil, err
		}
		return f(ctx, r, s, a, args)
	}
}

// decodeArgs decodes a request's arguments strictly: an unknown argument or
// one of the wrong type is a 400 naming it. Argument structs embed
// wire.Request so that id and reply_to are known.
func decodeArgs(payload []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	// The payload already parsed as one JSON object (Handle checked), so
	// only unknown and mistyped arguments remain to be found.
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return errBadRequest("Invalid parameter %s: want %s", te.Field, jsonKind(te.Type.Kind().String()))
	}
	var me *model.Error
	if errors.As(err, &me) {
		return me
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errBadRequest("Unknown parameter %s", name)
	}
	return errBadRequest("Invalid request: %v", err)
}

// jsonKind names a Go kind as a JSON type, for error messages.
func jsonKind(k string) string {
	switch {
	case k == "string":
		return "a string"
	case k == "bool":
		return "a boolean"
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "slice", k == "array":
		return "an array"
	}
	return "another type"
}

// optional is an argument that may be absent, null or a value.
type optional[T any] struct {
	Set   bool // the argument was sent (possibly as null)
	Null  bool // it was sent as null
	Value T
}

// UnmarshalJSON implements json.Unmarshaler; it is called for null too.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// ptr returns the value's address when it was sent and not null.
func (o optional[T]) ptr() *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.Value
	return &v
}

// empty is the result of commands that return nothing.
type empty struct{}

// lookup returns the handler of a command, nil for an unknown one.
func lookup(command string) handler {
	switch command {
	case "session":
		return with(cmdSession)
	case "updateToken":
		return with(cmdUpdateToken)
	case "getPublicChannelDescriptors":
		return with(cmdDescriptors(true))
	case "getUserChannelDescriptors":
		return with(cmdDescriptors(false))
	case "getChannel":
		return with(cmdGetChannel)
	case "createChannel":
		return with(cmdCreateChannel)
	case "joinChannel":
		return with(cmdJoinChannel)
	case "leaveChannel":
		return with(cmdLeaveChannel)
	case "declineInvitation":
		return with(cmdDeclineInvitation)
	case "destroyChannel":
		return with(cmdDestroyChannel)
	case "updateChannel":
		return with(cmdUpdateChannel)
	case "addMember":
		return with(cmdAddMember)
	case "inviteMember":
		return with(cmdInviteMember)
	case "removeMember":
		return with(cmdRemoveMember)
	case "getMembers":
		return with(cmdGetMembers)
	case "sendMessage":
		return with(cmdSendMessage)
	case "getMessages":
		return with(cmdGetMessages)
	case "editMessage":
		return with(cmdEditMessage)
	case "deleteMessage":
		return with(cmdDeleteMessage)
	case "updateReadHorizon":
		return with(cmdHorizon(core.HorizonSet))
	case "advanceReadHorizon":
		return with(cmdHorizon(core.HorizonAdvance))
	case "setAllMessagesRead":
		return with(cmdHorizon(core.HorizonAll))
	case "setNoMessagesRead":
		return with(cmdHorizon(core.HorizonNone))
	case "setNotificationLevel":
		return with(cmdSetNotificationLevel)
	case "getUser":
		return with(cmdGetUser)
	case "updateUser":
		return with(cmdUpdateUser)
	case "typing":
		return with(cmdTyping)
	}
	return nil
}

// Commands lists every RPC command, in docs/protocol.md's order.
func Commands() []string {
	return []string{"session", "updateToken", "getPublicChannelDescriptors", "getUserChannelDescriptors",
		"getChannel", "createChannel", "joinChannel", "leaveChannel", "declineInvitation", "destroyChannel",
		"updateChannel", "addMember", "inviteMember", "removeMember", "getMembers", "sendMessage", "getMessages",
		"editMessage", "deleteMessage", "updateReadHorizon", "advanceReadHorizon", "setAllMessagesRead",
		"setNoMessagesRead", "setNotificationLevel", "getUser", "updateUser", "typing"}
}

// Arguments of the commands. Each embeds wire.Request so that id and
// reply_to are accepted beside the command's own arguments.
type (
	argsNone struct {
		wire.Request
	}
	argsToken struct {
		wire.Request
		Token string `json:"token"`
	}
	argsPage struct {
		wire.Request
		PageSize  *int   `json:"page_size"`
		PageToken string `json:"page_token"`
	}
	argsChannel struct {
		wire.Request
		Channel string `json:"channel"`
	}
	argsCreateChannel struct {
		wire.Request
		FriendlyName string `json:"friendly_name"`
		UniqueName   string `json:"unique_name"`
		Type         string `json:"type"`
		Attributes   string `json:"attributes"`
	}
	argsUpdateChannel struct {
		wire.Request
		Channel      string           `json:"channel"`
		FriendlyName optional[string] `json:"friendly_name"`
		UniqueName   optional[string] `json:"unique_name"`
		Attributes   optional[string] `json:"attributes"`
	}
	argsMember struct {
		wire.Request
		Channel   string `json:"channel"`
		Identity  string `json:"identity"`
		MemberSID string `json:"member_sid"`
	}
	argsChannelPage struct {
		wire.Request
		Channel   string `json:"channel"`
		PageSize  *int   `json:"page_size"`
		PageToken string `json:"page_token"`
	}
	argsSendMessage struct {
		wire.Request
		Channel         string  `json:"channel"`
		Body            *string `json:"body"`
		Attributes      string  `json:"attributes"`
		ClientMessageID string  `json:"client_message_id"`
	}
	argsGetMessages struct {
		wire.Request
		Channel   string `json:"channel"`
		PageSize  *int   `json:"page_size"`
		Anchor    *int64 `json:"anchor"`
		Direction string `json:"direction"`
	}
	argsEditMessage struct {
		wire.Request
		Channel    string          `json:"channel"`
		Index      optional[int64] `json:"index"`
		Body       *string         `json:"body"`
		Attributes *string         `json:"attributes"`
	}
	argsIndex struct {
		wire.Request
		Channel string          `json:"channel"`
		Index   optional[int64] `json:"index"`
	}
	argsNotificationLevel struct {
		wire.Request
		Channel string `json:"channel"`
		Level   string `json:"level"`
	}
	argsGetUser struct {
		wire.Request
		Identity string `json:"identity"`
	}
	argsUpdateUser struct {
		wire.Request
		Identity     string  `json:"identity"`
		FriendlyName *string `json:"friendly_name"`
		Attributes   *string `json:"attributes"`
	}
)

// required reports a missing argument the way the REST API does.
func required(name, v string) error {
	if v == "" {
		return errBadRequest("Missing required parameter %s", name)
	}
	return nil
}

func pageParams(size *int, token string) core.PageParams {
	return core.PageParams{Size: size, Token: token}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// sessionResult is the result of session.
type sessionResult struct {
	Identity     string     `json:"identity"`
	UserSID      string     `json:"user_sid"`
	ServiceSID   string     `json:"service_sid"`
	TokenExpires string     `json:"token_expires"`
	User         *wire.User `json:"user"`
}

func cmdSession(ctx context.Context, r *RPC, s *Session, a core.Actor, _ *argsNone) (any, error) {
	u, err := r.Core.GetUser(ctx, a, s.ServiceSID, s.Identity)
	if err != nil {
		return nil, err
	}
	return sessionResult{Identity: s.Identity, UserSID: u.SID, ServiceSID: s.ServiceSID,
		TokenExpires: rfc3339(s.Expires), User: wire.FromUser(u)}, nil
}

// tokenResult is the result of updateToken.
type tokenResult struct {
	TokenExpires string `json:"token_expires"`
}

func cmdUpdateToken(_ context.Context, _ *RPC, s *Session, _ core.Actor, args *argsToken) (any, error) {
	if err := required("token", args.Token); err != nil {
		return nil, err
	}
	if s.Refresh == nil {
		return nil, errRPC(model.KindUnavailable, model.CodeUnavailable, "This connection cannot refresh its token")
	}
	exp, err := s.Refresh(args.Token)
	if err != nil {
		var me *model.Error
		if !errors.As(err, &me) {
			// The token package's errors are not model errors; a token
			// that does not verify is bad credentials, as at CONNECT.
			return nil, errRPC(model.KindUnauthenticated, model.CodeAuthenticate, "Invalid access token: %v", err)
		}
		return nil, err
	}
	return tokenResult{TokenExpires: rfc3339(exp)}, nil
}

// descriptor converts a core descriptor to its wire form.
func descriptor(d *core.Descriptor) *wire.ChannelDescriptor {
	out := &wire.ChannelDescriptor{Channel: *wire.FromChannel(&d.Channel), Status: d.Status,
		NotificationLevel: string(model.NotificationDefault), UnreadMessagesCount: d.Unread}
	if d.Member != nil {
		out.LastConsumedMessageIndex = d.Member.LastConsumedMessageIndex
		if d.Member.NotificationLevel != "" {
			out.NotificationLevel = string(d.Member.NotificationLevel)
		}
	}
	if d.Channel.LastMessageSID != "" {
		out.LastMessage = &wire.LastMessage{Index: d.Channel.LastMessageIndex, DateCreated: rfc3339(d.Channel.LastMessageDate)}
	}
	return out
}

// page builds a wire page.
func page[T any](items []T, info core.PageInfo) wire.Page[T] {
	if items == nil {
		items = []T{}
	}
	return wire.Page[T]{Items: items, NextPageToken: nullable(info.NextToken), PreviousPageToken: nullable(info.PrevToken)}
}

func cmdDescriptors(public bool) func(context.Context, *RPC, *Session, core.Actor, *argsPage) (any, error) {
	return func(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsPage) (any, error) {
		ds, info, err := r.Core.ChannelDescriptors(ctx, a, s.ServiceSID, public, pageParams(args.PageSize, args.PageToken))
		if err != nil {
			return nil, err
		}
		items := make([]*wire.ChannelDescriptor, len(ds))
		for i := range ds {
			items[i] = descriptor(&ds[i])
		}
		return page(items, info), nil
	}
}

func cmdGetChannel(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsChannel) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	d, err := r.Core.ChannelDescriptor(ctx, a, s.ServiceSID, args.Channel)
	if err != nil {
		return nil, err
	}
	return descriptor(d), nil
}

func cmdCreateChannel(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsCreateChannel) (any, error) {
	ch, err := r.Core.CreateChannel(ctx, a, s.ServiceSID, core.ChannelCreate{FriendlyName: args.FriendlyName,
		UniqueName: args.UniqueName, Attributes: args.Attributes, Type: args.Type})
	if err != nil {
		return nil, err
	}
	return wire.FromChannel(ch), nil
}

func cmdJoinChannel(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsChannel) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	m, err := r.Core.JoinChannel(ctx, a, s.ServiceSID, args.Channel)
	if err != nil {
		return nil, err
	}
	return wire.FromMember(m), nil
}

func cmdLeaveChannel(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsChannel) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	return empty{}, r.Core.LeaveChannel(ctx, a, s.ServiceSID, args.Channel)
}

func cmdDeclineInvitation(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsChannel) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	return empty{}, r.Core.DeclineInvite(ctx, a, s.ServiceSID, args.Channel)
}

func cmdDestroyChannel(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsChannel) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	return empty{}, r.Core.DeleteChannel(ctx, a, s.ServiceSID, args.Channel)
}

func cmdUpdateChannel(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsUpdateChannel) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	in := core.ChannelUpdate{FriendlyName: args.FriendlyName.ptr(), Attributes: args.Attributes.ptr()}
	if args.UniqueName.Set { // null clears it, as "" does
		v := args.UniqueName.Value
		in.UniqueName = &v
	}
	if args.FriendlyName.Null {
		v := ""
		in.FriendlyName = &v
	}
	if args.Attributes.Null {
		v := ""
		in.Attributes = &v
	}
	ch, err := r.Core.UpdateChannel(ctx, a, s.ServiceSID, args.Channel, in)
	if err != nil {
		return nil, err
	}
	return wire.FromChannel(ch), nil
}

func cmdAddMember(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsMember) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	if err := required("identity", args.Identity); err != nil {
		return nil, err
	}
	m, err := r.Core.CreateMember(ctx, a, s.ServiceSID, args.Channel, core.MemberCreate{Identity: args.Identity})
	if err != nil {
		return nil, err
	}
	return wire.FromMember(m), nil
}

func cmdInviteMember(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsMember) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	if err := required("identity", args.Identity); err != nil {
		return nil, err
	}
	inv, err := r.Core.CreateInvite(ctx, a, s.ServiceSID, args.Channel, core.InviteCreate{Identity: args.Identity})
	if err != nil {
		return nil, err
	}
	return wire.FromInvite(inv), nil
}

func cmdRemoveMember(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsMember) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	key := args.MemberSID
	switch {
	case key != "" && args.Identity != "":
		return nil, errBadRequest("Give identity or member_sid, not both")
	case key == "":
		key = args.Identity
	case !model.IsSID(model.PrefixMember, key):
		return nil, errBadRequest("Invalid parameter member_sid: not a member SID")
	}
	if err := required("identity", key); err != nil {
		return nil, err
	}
	return empty{}, r.Core.DeleteMember(ctx, a, s.ServiceSID, args.Channel, key)
}

func cmdGetMembers(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsChannelPage) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	ms, info, err := r.Core.ListMembers(ctx, a, s.ServiceSID, args.Channel, nil, pageParams(args.PageSize, args.PageToken))
	if err != nil {
		return nil, err
	}
	items := make([]*wire.Member, len(ms))
	for i := range ms {
		items[i] = wire.FromMember(&ms[i])
	}
	return page(items, info), nil
}

func cmdSendMessage(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsSendMessage) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	m, err := r.Core.CreateMessage(ctx, a, s.ServiceSID, args.Channel, core.MessageCreate{Body: args.Body,
		Attributes: args.Attributes, ClientMessageID: args.ClientMessageID})
	if err != nil {
		return nil, err
	}
	return wire.FromMessage(m), nil
}

// messagesResult is the result of getMessages.
type messagesResult struct {
	Items []*wire.Message `json:"items"`
}

func cmdGetMessages(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsGetMessages) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	size := DefaultMessagesPage
	if args.PageSize != nil {
		size = *args.PageSize
		if size < 1 {
			return nil, errBadRequest("Invalid parameter page_size: must be between 1 and %d", MaxMessagesPage)
		}
		size = min(size, MaxMessagesPage)
	}
	if args.Anchor != nil && *args.Anchor < 0 {
		return nil, errBadRequest("Invalid parameter anchor: must not be negative")
	}
	var forward bool
	switch args.Direction {
	case "", "backwards":
	case "forward":
		forward = true
	default:
		return nil, errBadRequest("Invalid parameter direction: want backwards or forward")
	}
	ms, err := r.Core.MessagesAround(ctx, a, s.ServiceSID, args.Channel, args.Anchor, forward, size)
	if err != nil {
		return nil, err
	}
	items := make([]*wire.Message, len(ms))
	for i := range ms {
		items[i] = wire.FromMessage(&ms[i])
	}
	return messagesResult{Items: items}, nil
}

// requiredIndex returns a message index argument that must be a number.
func requiredIndex(o optional[int64]) (int64, error) {
	if !o.Set || o.Null {
		return 0, errBadRequest("Missing required parameter index")
	}
	if o.Value < 0 {
		return 0, errBadRequest("Invalid parameter index: must not be negative")
	}
	return o.Value, nil
}

func cmdEditMessage(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsEditMessage) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	idx, err := requiredIndex(args.Index)
	if err != nil {
		return nil, err
	}
	if args.Body == nil && args.Attributes == nil {
		return nil, errRPC(model.KindInvalid, model.CodeNoUpdateParams, "No parameters to update")
	}
	m, err := r.Core.MessageByIndex(ctx, a, s.ServiceSID, args.Channel, idx)
	if err != nil {
		return nil, err
	}
	out, err := r.Core.UpdateMessage(ctx, a, s.ServiceSID, m.ChannelSID, m.SID,
		core.MessageUpdate{Body: args.Body, Attributes: args.Attributes})
	if err != nil {
		return nil, err
	}
	return wire.FromMessage(out), nil
}

func cmdDeleteMessage(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsIndex) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	idx, err := requiredIndex(args.Index)
	if err != nil {
		return nil, err
	}
	m, err := r.Core.MessageByIndex(ctx, a, s.ServiceSID, args.Channel, idx)
	if err != nil {
		return nil, err
	}
	return empty{}, r.Core.DeleteMessage(ctx, a, s.ServiceSID, m.ChannelSID, m.SID)
}

// unreadResult is the result of the read-horizon commands.
type unreadResult struct {
	UnreadCount int `json:"unread_count"`
}

func cmdHorizon(mode core.HorizonMode) func(context.Context, *RPC, *Session, core.Actor, *argsIndex) (any, error) {
	return func(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsIndex) (any, error) {
		if err := required("channel", args.Channel); err != nil {
			return nil, err
		}
		var index *int64
		switch mode {
		case core.HorizonSet: // index may be null: nothing read
			if !args.Index.Set {
				return nil, errBadRequest("Missing required parameter index (a message index or null)")
			}
			index = args.Index.ptr()
		case core.HorizonAdvance:
			idx, err := requiredIndex(args.Index)
			if err != nil {
				return nil, err
			}
			index = &idx
		default:
			if args.Index.Set {
				return nil, errBadRequest("Unknown parameter \"index\"")
			}
		}
		if index != nil && *index < 0 {
			return nil, errBadRequest("Invalid parameter index: must not be negative")
		}
		n, err := r.Core.SetReadHorizon(ctx, a, s.ServiceSID, args.Channel, mode, index)
		if err != nil {
			return nil, err
		}
		return unreadResult{UnreadCount: n}, nil
	}
}

func cmdSetNotificationLevel(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsNotificationLevel) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	if err := required("level", args.Level); err != nil {
		return nil, err
	}
	uc, err := r.Core.UpdateUserChannel(ctx, a, s.ServiceSID, s.Identity, args.Channel,
		core.UserChannelUpdate{NotificationLevel: &args.Level})
	if err != nil {
		return nil, err
	}
	if uc.Member == nil { // cannot happen: core refuses non-members
		return nil, fmt.Errorf("notification level set without a membership")
	}
	return wire.FromMember(uc.Member), nil
}

func cmdGetUser(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsGetUser) (any, error) {
	key := args.Identity
	if key == "" {
		key = s.Identity
	}
	u, reach, err := r.Core.FetchUser(ctx, a, s.ServiceSID, key)
	if err != nil {
		return nil, err
	}
	w := wire.FromUser(u)
	w.IsOnline, w.IsNotifiable = reach.Online, reach.Notifiable
	return w, nil
}

func cmdUpdateUser(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsUpdateUser) (any, error) {
	key := args.Identity
	if key == "" {
		key = s.Identity
	}
	u, err := r.Core.UpdateUser(ctx, a, s.ServiceSID, key,
		core.UserUpdate{FriendlyName: args.FriendlyName, Attributes: args.Attributes})
	if err != nil {
		return nil, err
	}
	return wire.FromUser(u), nil
}

func cmdTyping(ctx context.Context, r *RPC, s *Session, a core.Actor, args *argsChannel) (any, error) {
	if err := required("channel", args.Channel); err != nil {
		return nil, err
	}
	// The typing timer is keyed by channel SID, which the argument may not
	// be: resolve it as the user sees it.
	d, err := r.Core.ChannelDescriptor(ctx, a, s.ServiceSID, args.Channel)
	if err != nil {
		return nil, err
	}
	timeout, err := r.Core.Typing(ctx, a, s.ServiceSID, d.Channel.SID)
	if err != nil {
		return nil, err
	}
	if r.TypingStarted != nil {
		r.TypingStarted(s.ServiceSID, d.Channel.SID, s.Identity, time.Duration(timeout)*time.Second)
	}
	return empty{}, nil
}
