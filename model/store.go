package model

import "context"

// PageRequest asks a store for one page of a list.
//
// Every list has one order, its list order: creation order for everything but
// messages (SIDs are time-ordered, so this is SID order), index order for
// messages (ascending, or descending when Desc is set), channel SID order for
// a user's channels. Each item has a cursor: its index in decimal for
// messages, the channel SID for user channels, its SID otherwise.
//
// With Before empty, the page holds up to Limit items that come after the
// cursor After in list order (from the start when After is empty), and
// HasMore tells whether more items follow the last one returned. With Before
// set, the page holds the up to Limit items that come just before the cursor
// Before, still in list order, and HasMore tells whether more items precede
// the first one returned. After and Before are never both set. Limit is at
// least 1; core clamps it. A cursor need not name an existing item (it may
// have been deleted): it is a position.
type PageRequest struct {
	After  string
	Before string
	Limit  int
	Desc   bool // messages only: list in descending index order
}

// Page is one page of a list (see PageRequest).
type Page[T any] struct {
	Items   []T
	HasMore bool
}

// MemberLimits are the limits a store enforces atomically when it adds a
// member: the channel may hold at most ChannelMembers members and the user
// may be a member of at most UserChannels channels. Zero means no limit.
type MemberLimits struct {
	ChannelMembers int
	UserChannels   int
}

// BindingFilter narrows a binding list. Empty fields do not filter.
type BindingFilter struct {
	UserSID      string
	Identities   []string
	BindingTypes []string
}

// Store is the contract every storage backend implements (store/embedded,
// store/redis) and store/storetest checks.
//
// Invariants every implementation keeps:
//   - A method that returns nil error has made its write durable (fsynced, or
//     written to Redis under its durability settings) and visible to every
//     later read, from any goroutine or node.
//   - Every write is atomic: a failed call changes nothing.
//   - Lookups are scoped by their parents (service, channel): an entity that
//     exists under another parent is not found. A miss returns an *Error of
//     KindNotFound (ErrNotFound or a copy of it).
//   - Update methods call fn with a copy of the current value, inside the
//     write's atomic step; fn may change it and return nil to store it, or
//     return an error to abort (the error is returned as is). fn may run more
//     than once, so it must have no side effects. Stores keep SIDs, parents,
//     identities and counters as they were, whatever fn does to them.
//   - Counters (Channel.MembersCount, Channel.MessagesCount,
//     User.JoinedChannelsCount) and the indexes behind name lookups are
//     maintained by the store in the same atomic step as the write that
//     changes them.
//   - Channel event sequence: every write that changes a channel's state
//     advances Channel.Seq by exactly one in the same atomic step, and
//     records the new value as the Seq of the message, member or channel it
//     returns. Those writes are CreateMessage (a new message, not an
//     idempotent replay), UpdateMessage, DeleteMessage, AddMember,
//     UpdateMember, RemoveMember, UpdateChannel and DeleteChannel; also a
//     membership removed by DeleteUser (which returns no seq: subscribers
//     see a gap and re-fetch). Concurrent writes to one channel therefore
//     get distinct, gap-free seqs in commit order. Invites and webhooks do
//     not move it. Channel.Epoch is kept as created.
//   - Deletes cascade as documented on each method.
//   - Creates store counters, NextIndex, Seq and last-message fields as
//     zero, whatever the caller set. A create whose SID exists already gives
//     KindConflict; a create or list under a missing parent (service,
//     channel, user) gives KindNotFound.
//   - Identities of members, invites and bindings are the user's: stores
//     fill them from the user record.
//   - A call whose context is already cancelled fails and changes nothing.
//     Once a write has been taken for commit, the caller gets its real
//     outcome, never a failure for a write that was applied.
type Store interface {
	// Close releases the store. Pending writes finish first.
	Close() error

	// GetAccount returns the account, or KindNotFound when none was stored.
	GetAccount(ctx context.Context) (*Account, error)
	// PutAccount creates or replaces the account.
	PutAccount(ctx context.Context, a *Account) error

	// CreateKey stores a new API key.
	CreateKey(ctx context.Context, k *APIKey) error
	// GetKey returns an API key by SID.
	GetKey(ctx context.Context, sid string) (*APIKey, error)
	// ListKeys lists API keys in creation order.
	ListKeys(ctx context.Context, p PageRequest) (Page[APIKey], error)
	// UpdateKey changes an API key (see the Update rule above).
	UpdateKey(ctx context.Context, sid string, fn func(*APIKey) error) (*APIKey, error)
	// DeleteKey deletes an API key.
	DeleteKey(ctx context.Context, sid string) error

	// CreateService stores a new service together with its roles (the four
	// default roles), in one atomic step.
	CreateService(ctx context.Context, s *Service, roles []Role) error
	// GetService returns a service by SID.
	GetService(ctx context.Context, sid string) (*Service, error)
	// ListServices lists services in creation order.
	ListServices(ctx context.Context, p PageRequest) (Page[Service], error)
	// UpdateService changes a service.
	UpdateService(ctx context.Context, sid string, fn func(*Service) error) (*Service, error)
	// DeleteService deletes a service and everything under it: roles, users,
	// channels with their members, messages, invites and webhooks, bindings.
	DeleteService(ctx context.Context, sid string) error

	// CreateRole stores a new role.
	CreateRole(ctx context.Context, r *Role) error
	// GetRole returns a role of a service by SID.
	GetRole(ctx context.Context, serviceSID, sid string) (*Role, error)
	// ListRoles lists a service's roles in creation order.
	ListRoles(ctx context.Context, serviceSID string, p PageRequest) (Page[Role], error)
	// UpdateRole changes a role's name and permissions (not its type).
	UpdateRole(ctx context.Context, serviceSID, sid string, fn func(*Role) error) (*Role, error)
	// DeleteRole deletes a role. Users and members that hold it keep its SID.
	DeleteRole(ctx context.Context, serviceSID, sid string) error

	// CreateUser stores a new user. An identity already taken in the service
	// gives KindConflict with CodeUserExists.
	CreateUser(ctx context.Context, u *User) error
	// GetUser returns a user by SID.
	GetUser(ctx context.Context, serviceSID, sid string) (*User, error)
	// GetUserByIdentity returns a user by identity (case-sensitive).
	GetUserByIdentity(ctx context.Context, serviceSID, identity string) (*User, error)
	// ListUsers lists a service's users in creation order.
	ListUsers(ctx context.Context, serviceSID string, p PageRequest) (Page[User], error)
	// UpdateUser changes a user (not its identity or counters).
	UpdateUser(ctx context.Context, serviceSID, sid string, fn func(*User) error) (*User, error)
	// DeleteUser deletes a user, its memberships (decrementing each
	// channel's MembersCount), its pending invites and its bindings.
	DeleteUser(ctx context.Context, serviceSID, sid string) error

	// CreateChannel stores a new channel. A unique name already taken in the
	// service gives KindConflict with CodeUniqueNameExists.
	CreateChannel(ctx context.Context, c *Channel) error
	// GetChannel returns a channel by SID.
	GetChannel(ctx context.Context, serviceSID, sid string) (*Channel, error)
	// GetChannelByUniqueName returns a channel by unique name.
	GetChannelByUniqueName(ctx context.Context, serviceSID, uniqueName string) (*Channel, error)
	// ListChannels lists a service's channels in creation order, only those
	// of the given types when types is not empty.
	ListChannels(ctx context.Context, serviceSID string, types []ChannelType, p PageRequest) (Page[Channel], error)
	// UpdateChannel changes a channel's names, attributes, type, author and
	// dates (not its counters, message index, Seq or Epoch) and advances
	// its Seq. A new unique name already taken gives KindConflict with
	// CodeUniqueNameExists.
	UpdateChannel(ctx context.Context, serviceSID, sid string, fn func(*Channel) error) (*Channel, error)
	// DeleteChannel deletes a channel with its members (decrementing each
	// user's JoinedChannelsCount), messages, invites and webhooks. It
	// returns the channel as it was, with Seq advanced: the seq of its
	// channelRemoved event, the last of the channel.
	DeleteChannel(ctx context.Context, serviceSID, sid string) (*Channel, error)

	// AddMember stores a new member of an existing channel for an existing
	// user (m.UserSID), atomically checking, in this order: channel and user
	// exist (KindNotFound); the identity is not a member yet (KindConflict,
	// CodeMemberExists); the channel is under lim.ChannelMembers
	// (KindForbidden, CodeMembersLimit); the user is under lim.UserChannels
	// (KindForbidden, CodeUserChannelsLimit). It increments the channel's
	// MembersCount and the user's JoinedChannelsCount and deletes the
	// identity's pending invite to the channel. It advances the channel's
	// Seq; on success m.Seq is set to the new value.
	AddMember(ctx context.Context, m *Member, lim MemberLimits) error
	// GetMember returns a member by SID.
	GetMember(ctx context.Context, serviceSID, channelSID, sid string) (*Member, error)
	// GetMemberByIdentity returns a member by identity.
	GetMemberByIdentity(ctx context.Context, serviceSID, channelSID, identity string) (*Member, error)
	// ListMembers lists a channel's members in creation order, only those
	// with the given identities when identities is not empty.
	ListMembers(ctx context.Context, serviceSID, channelSID string, identities []string, p PageRequest) (Page[Member], error)
	// UpdateMember changes a member (not its identity or user) and advances
	// the channel's Seq.
	UpdateMember(ctx context.Context, serviceSID, channelSID, sid string, fn func(*Member) error) (*Member, error)
	// RemoveMember deletes a member, decrementing the channel's MembersCount
	// and the user's JoinedChannelsCount and advancing its Seq. It returns
	// the member as it was, with Seq set to the new value.
	RemoveMember(ctx context.Context, serviceSID, channelSID, sid string) (*Member, error)

	// CreateMessage stores a new message in an existing channel. It sets
	// m.Index to the channel's NextIndex and advances NextIndex, increments
	// MessagesCount and records the message as the channel's last, all in
	// one atomic step: concurrent creates get distinct, gap-free indices. It
	// advances the channel's Seq and sets the stored message's Seq to it. If
	// m.ClientMessageID is set and a message of the channel already has it,
	// nothing is written (Seq does not move) and that message is returned,
	// with the Seq it was stored with, and created false.
	CreateMessage(ctx context.Context, m *Message) (stored *Message, created bool, err error)
	// GetMessage returns a message by SID.
	GetMessage(ctx context.Context, serviceSID, channelSID, sid string) (*Message, error)
	// GetMessageByIndex returns a message by its index.
	GetMessageByIndex(ctx context.Context, serviceSID, channelSID string, index int64) (*Message, error)
	// ListMessages lists a channel's messages in index order.
	ListMessages(ctx context.Context, serviceSID, channelSID string, p PageRequest) (Page[Message], error)
	// CountMessagesAfter counts the channel's messages whose index is
	// greater than index (all of them when index is negative).
	CountMessagesAfter(ctx context.Context, serviceSID, channelSID string, index int64) (int, error)
	// UpdateMessage changes a message (not its index, channel or client ID)
	// and advances the channel's Seq.
	UpdateMessage(ctx context.Context, serviceSID, channelSID, sid string, fn func(*Message) error) (*Message, error)
	// DeleteMessage deletes a message, decrementing MessagesCount and, when
	// it was the last message, pointing the channel's last message at the
	// present message with the highest index. NextIndex does not move; Seq
	// advances. It returns the message as it was, with Seq set to the new
	// value.
	DeleteMessage(ctx context.Context, serviceSID, channelSID, sid string) (*Message, error)

	// CreateInvite stores a new invite in an existing channel. A pending
	// invite for the same identity gives KindConflict with CodeUserInvited.
	CreateInvite(ctx context.Context, in *Invite) error
	// GetInvite returns an invite by SID.
	GetInvite(ctx context.Context, serviceSID, channelSID, sid string) (*Invite, error)
	// ListInvites lists a channel's invites in creation order, only those
	// with the given identities when identities is not empty.
	ListInvites(ctx context.Context, serviceSID, channelSID string, identities []string, p PageRequest) (Page[Invite], error)
	// DeleteInvite deletes an invite.
	DeleteInvite(ctx context.Context, serviceSID, channelSID, sid string) error

	// CreateWebhook stores a new channel webhook in an existing channel; a
	// channel holding max webhooks already gives KindForbidden with
	// CodeWebhooksLimit (max 0 means no limit).
	CreateWebhook(ctx context.Context, w *Webhook, max int) error
	// GetWebhook returns a channel webhook by SID.
	GetWebhook(ctx context.Context, serviceSID, channelSID, sid string) (*Webhook, error)
	// ListWebhooks lists a channel's webhooks in creation order.
	ListWebhooks(ctx context.Context, serviceSID, channelSID string, p PageRequest) (Page[Webhook], error)
	// UpdateWebhook changes a channel webhook (not its type).
	UpdateWebhook(ctx context.Context, serviceSID, channelSID, sid string, fn func(*Webhook) error) (*Webhook, error)
	// DeleteWebhook deletes a channel webhook.
	DeleteWebhook(ctx context.Context, serviceSID, channelSID, sid string) error

	// CreateCredential stores a new push credential.
	CreateCredential(ctx context.Context, c *Credential) error
	// GetCredential returns a push credential by SID.
	GetCredential(ctx context.Context, sid string) (*Credential, error)
	// ListCredentials lists push credentials in creation order.
	ListCredentials(ctx context.Context, p PageRequest) (Page[Credential], error)
	// UpdateCredential changes a push credential (not its type).
	UpdateCredential(ctx context.Context, sid string, fn func(*Credential) error) (*Credential, error)
	// DeleteCredential deletes a push credential.
	DeleteCredential(ctx context.Context, sid string) error

	// CreateBinding stores a new push binding for an existing user.
	CreateBinding(ctx context.Context, b *Binding) error
	// GetBinding returns a binding of a service by SID.
	GetBinding(ctx context.Context, serviceSID, sid string) (*Binding, error)
	// ListBindings lists a service's bindings in creation order.
	ListBindings(ctx context.Context, serviceSID string, f BindingFilter, p PageRequest) (Page[Binding], error)
	// DeleteBinding deletes a binding.
	DeleteBinding(ctx context.Context, serviceSID, sid string) error

	// GetUserChannel returns the user's row for one channel: its membership,
	// or its pending invite when it is not a member. Neither gives
	// KindNotFound.
	GetUserChannel(ctx context.Context, serviceSID, userSID, channelSID string) (*UserChannel, error)
	// ListUserChannels lists the channels a user is a member of or invited
	// to, in channel SID order.
	ListUserChannels(ctx context.Context, serviceSID, userSID string, p PageRequest) (Page[UserChannel], error)
}
