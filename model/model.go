// Package model defines Parley's domain: the entities of Twilio's chat model
// (services, roles, users, channels, members, messages, invites, webhooks,
// credentials, bindings), SIDs, the permission vocabulary, events, the one
// error type that crosses layers, and the Store contract that every storage
// backend implements. It imports nothing else of Parley.
package model

import "time"

// Account is the Parley account that owns every service. One Parley
// installation serves one account; its SID and auth token are the root
// credentials of the REST API.
type Account struct {
	SID          string
	FriendlyName string
	// AuthToken is the auth token sealed by core (never stored in the clear).
	AuthToken   []byte
	DateCreated time.Time
	DateUpdated time.Time
}

// APIKey is a signing key (SK...): it authenticates REST calls (SID + secret
// over HTTP basic) and signs access tokens (HS256 with the secret).
type APIKey struct {
	SID          string
	AccountSID   string
	FriendlyName string
	// Secret is the key secret sealed by core; core needs it back in the clear
	// to verify token signatures, so it is encrypted, not hashed.
	Secret      []byte
	DateCreated time.Time
	DateUpdated time.Time
}

// Service is a chat service (IS...), the container of everything else.
type Service struct {
	SID                          string
	AccountSID                   string
	FriendlyName                 string
	DateCreated                  time.Time
	DateUpdated                  time.Time
	DefaultServiceRoleSID        string
	DefaultChannelRoleSID        string
	DefaultChannelCreatorRoleSID string
	ReadStatusEnabled            bool
	ReachabilityEnabled          bool
	TypingIndicatorTimeout       int // seconds
	ConsumptionReportInterval    int // seconds; deprecated, kept for compatibility
	Limits                       ServiceLimits
	PreWebhookURL                string // "" means none
	PostWebhookURL               string // "" means none
	WebhookMethod                string // GET or POST
	WebhookFilters               []string
	PreWebhookRetryCount         int
	PostWebhookRetryCount        int
	Notifications                Notifications
	Media                        MediaSettings
}

// ServiceLimits are the per-service counter limits.
type ServiceLimits struct {
	ChannelMembers int // members per channel
	UserChannels   int // channels per user
}

// Notifications is the push notification configuration of a service.
type Notifications struct {
	NewMessage         NotificationConfig
	AddedToChannel     NotificationConfig
	RemovedFromChannel NotificationConfig
	InvitedToChannel   NotificationConfig
	LogEnabled         bool
}

// NotificationConfig configures one kind of push notification.
type NotificationConfig struct {
	Enabled           bool
	Template          string
	Sound             string
	BadgeCountEnabled bool // only meaningful for NewMessage
}

// MediaSettings is the media configuration of a service.
type MediaSettings struct {
	SizeLimitMB          int
	CompatibilityMessage string
}

// Role is a named set of permissions (RL...), of service or channel scope.
type Role struct {
	SID          string
	AccountSID   string
	ServiceSID   string
	FriendlyName string
	Type         RoleType
	Permissions  []string
	DateCreated  time.Time
	DateUpdated  time.Time
}

// User is an end user of a service (US...), named by its identity.
type User struct {
	SID                 string
	AccountSID          string
	ServiceSID          string
	Identity            string
	FriendlyName        string // "" means null
	Attributes          string // a JSON document
	RoleSID             string
	JoinedChannelsCount int
	DateCreated         time.Time
	DateUpdated         time.Time
}

// ChannelType is public or private.
type ChannelType string

// The channel types.
const (
	ChannelPublic  ChannelType = "public"
	ChannelPrivate ChannelType = "private"
)

// Channel is a conversation (CH...).
type Channel struct {
	SID           string
	AccountSID    string
	ServiceSID    string
	FriendlyName  string // "" means null
	UniqueName    string // "" means null
	Attributes    string // a JSON document
	Type          ChannelType
	CreatedBy     string
	MembersCount  int
	MessagesCount int
	// NextIndex is the index the next message will get. Indices start at 0
	// and are never reused, so NextIndex only grows.
	NextIndex int64
	// LastMessageSID is the SID of the message with the highest index still
	// present, or "" when the channel has none.
	LastMessageSID   string
	LastMessageIndex int64
	LastMessageDate  time.Time
	DateCreated      time.Time
	DateUpdated      time.Time
	// Seq is the sequence number of the channel's latest event: 0 for a new
	// channel, then one more for every write that changes the channel's
	// state (message create, update and delete; member add, update and
	// remove; channel update; channel delete). The store assigns it in the
	// same atomic step as the write, so a channel's events are densely
	// numbered 1, 2, 3... (see Store). Core never sets it.
	Seq int64
	// Epoch names the channel's event history: set by core when the channel
	// is created and never changed by the store. A different epoch means
	// that seq numbering started over (history reset), so clients must
	// resynchronise rather than compare seq numbers.
	Epoch string
}

// NotificationLevel is a member's push level on a channel.
type NotificationLevel string

// The notification levels.
const (
	NotificationDefault NotificationLevel = "default"
	NotificationMuted   NotificationLevel = "muted"
)

// Member is a user's membership of a channel (MB...).
type Member struct {
	SID                      string
	AccountSID               string
	ServiceSID               string
	ChannelSID               string
	UserSID                  string
	Identity                 string
	RoleSID                  string
	LastConsumedMessageIndex *int64     // the read horizon; nil when unset
	LastConsumptionTimestamp *time.Time // nil when unset
	Attributes               string     // a JSON document
	NotificationLevel        NotificationLevel
	DateCreated              time.Time
	DateUpdated              time.Time
	// Seq is the channel event sequence number the store assigned to the
	// write that last created, changed or removed this member (see
	// Channel.Seq). Stores set it; whatever the caller sets is ignored.
	Seq int64
}

// MessageType is text or media.
type MessageType string

// The message types.
const (
	MessageText  MessageType = "text"
	MessageMedia MessageType = "media"
)

// Media describes the media attached to a message.
type Media struct {
	SID         string
	Size        int64
	ContentType string
	Filename    string
}

// Message is one message of a channel (IM...).
type Message struct {
	SID        string
	AccountSID string
	ServiceSID string
	ChannelSID string
	// Index is assigned by the store at creation: the channel's NextIndex.
	Index         int64
	From          string
	Body          string
	Attributes    string // a JSON document
	Type          MessageType
	Media         *Media
	LastUpdatedBy string // "" means null
	WasEdited     bool
	// ClientMessageID, when set, makes a create idempotent within the
	// channel: a second create with the same ID returns the first message.
	ClientMessageID string
	DateCreated     time.Time
	DateUpdated     time.Time
	// Seq is the channel event sequence number the store assigned to the
	// write that last created, changed or removed this message (see
	// Channel.Seq). Stores set it; whatever the caller sets is ignored.
	Seq int64
}

// Invite is a pending invitation of an identity to a channel (IN...).
type Invite struct {
	SID         string
	AccountSID  string
	ServiceSID  string
	ChannelSID  string
	Identity    string
	RoleSID     string
	CreatedBy   string
	DateCreated time.Time
	DateUpdated time.Time
}

// WebhookType is the type of a channel webhook.
type WebhookType string

// The channel webhook types.
const (
	WebhookTypeWebhook WebhookType = "webhook"
	WebhookTypeTrigger WebhookType = "trigger"
	WebhookTypeStudio  WebhookType = "studio"
)

// Webhook is a channel-scoped webhook (WH...).
type Webhook struct {
	SID         string
	AccountSID  string
	ServiceSID  string
	ChannelSID  string
	Type        WebhookType
	URL         string
	Method      string
	Filters     []string
	Triggers    []string
	FlowSID     string
	RetryCount  int
	DateCreated time.Time
	DateUpdated time.Time
}

// Credential is a push credential of the account (CR...).
type Credential struct {
	SID          string
	AccountSID   string
	FriendlyName string // "" means null
	Type         string // apn, gcm or fcm
	Sandbox      string // "" means null; Twilio returns a string such as "False"
	// Secrets holds the certificate, private key, API key and secret,
	// sealed by core. They are never returned.
	Secrets     []byte
	DateCreated time.Time
	DateUpdated time.Time
}

// Binding is a push registration of one device of a user (BS...).
type Binding struct {
	SID           string
	AccountSID    string
	ServiceSID    string
	UserSID       string
	Identity      string
	Endpoint      string
	CredentialSID string
	BindingType   string // apn, gcm or fcm
	MessageTypes  []string
	DateCreated   time.Time
	DateUpdated   time.Time
}

// UserChannel is one row of a user's channel list: a channel the user is a
// member of (Member set) or invited to (Invite set).
type UserChannel struct {
	Channel Channel
	Member  *Member
	Invite  *Invite
	// UnreadMessagesCount is the number of messages with an index above the
	// member's read horizon; nil when there is no membership or no horizon.
	UnreadMessagesCount *int
}
