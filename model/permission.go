package model

// RoleType is the scope of a Role.
type RoleType string

// The role types.
const (
	RoleDeployment RoleType = "deployment" // service scope, attached to a User
	RoleChannel    RoleType = "channel"    // channel scope, attached to a Member
)

// The permission vocabulary of Twilio Chat.
const (
	PermCreateChannel            = "createChannel"
	PermJoinChannel              = "joinChannel"
	PermDestroyChannel           = "destroyChannel"
	PermInviteMember             = "inviteMember"
	PermAddMember                = "addMember"
	PermRemoveMember             = "removeMember"
	PermEditChannelName          = "editChannelName"
	PermEditChannelAttributes    = "editChannelAttributes"
	PermEditOwnUserInfo          = "editOwnUserInfo"
	PermEditAnyUserInfo          = "editAnyUserInfo"
	PermEditAnyMessage           = "editAnyMessage"
	PermEditAnyMessageAttributes = "editAnyMessageAttributes"
	PermDeleteAnyMessage         = "deleteAnyMessage"
	PermEditOwnMessage           = "editOwnMessage"
	PermEditOwnMessageAttributes = "editOwnMessageAttributes"
	PermDeleteOwnMessage         = "deleteOwnMessage"
	PermEditAnyMemberAttributes  = "editAnyMemberAttributes"
	PermEditOwnMemberAttributes  = "editOwnMemberAttributes"
	PermSendMessage              = "sendMessage"
	PermSendMediaMessage         = "sendMediaMessage"
	PermLeaveChannel             = "leaveChannel"
	PermEditNotificationLevel    = "editNotificationLevel"
)

// PermissionScopes returns the role types a permission may appear in (nil
// for an unknown permission). The "own message" permissions are accepted in
// deployment roles too, because sources differ and refusing them would break
// role set-ups that worked on Twilio.
func PermissionScopes(perm string) []RoleType {
	switch perm {
	case PermCreateChannel, PermJoinChannel, PermEditOwnUserInfo, PermEditAnyUserInfo:
		return []RoleType{RoleDeployment}
	case PermEditOwnMemberAttributes, PermSendMessage, PermSendMediaMessage, PermLeaveChannel,
		PermEditNotificationLevel:
		return []RoleType{RoleChannel}
	case PermDestroyChannel, PermInviteMember, PermAddMember, PermRemoveMember, PermEditChannelName,
		PermEditChannelAttributes, PermEditAnyMessage, PermEditAnyMessageAttributes, PermDeleteAnyMessage,
		PermEditAnyMemberAttributes, PermEditOwnMessage, PermEditOwnMessageAttributes, PermDeleteOwnMessage:
		return []RoleType{RoleDeployment, RoleChannel}
	}
	return nil
}

// PermissionValid reports whether perm is known and may appear in a role of
// type t.
func PermissionValid(perm string, t RoleType) bool {
	for _, s := range PermissionScopes(perm) {
		if s == t {
			return true
		}
	}
	return false
}

// Names of the four roles every new service gets.
const (
	RoleNameServiceAdmin = "service admin"
	RoleNameServiceUser  = "service user"
	RoleNameChannelAdmin = "channel admin"
	RoleNameChannelUser  = "channel user"
)

// DefaultRoles returns the four default roles of a new service, in the order
// service admin, service user, channel admin, channel user, with their
// permission lists (reference section 4). SIDs and dates are left for the
// caller to fill in.
func DefaultRoles() []Role {
	return []Role{
		{FriendlyName: RoleNameServiceAdmin, Type: RoleDeployment, Permissions: []string{
			PermCreateChannel, PermJoinChannel, PermDestroyChannel, PermInviteMember, PermRemoveMember,
			PermEditChannelName, PermEditChannelAttributes, PermAddMember, PermEditAnyMemberAttributes,
			PermEditAnyMessage, PermEditAnyMessageAttributes, PermDeleteAnyMessage, PermEditAnyUserInfo,
		}},
		{FriendlyName: RoleNameServiceUser, Type: RoleDeployment, Permissions: []string{
			PermCreateChannel, PermJoinChannel, PermEditOwnUserInfo,
		}},
		{FriendlyName: RoleNameChannelAdmin, Type: RoleChannel, Permissions: []string{
			PermSendMessage, PermSendMediaMessage, PermLeaveChannel, PermEditNotificationLevel,
			PermDestroyChannel, PermInviteMember, PermRemoveMember, PermEditChannelName,
			PermEditChannelAttributes, PermAddMember, PermEditAnyMemberAttributes, PermEditAnyMessage,
			PermEditAnyMessageAttributes, PermDeleteAnyMessage,
		}},
		{FriendlyName: RoleNameChannelUser, Type: RoleChannel, Permissions: []string{
			PermSendMessage, PermSendMediaMessage, PermLeaveChannel, PermEditNotificationLevel,
			PermEditOwnMemberAttributes, PermEditOwnMessage, PermEditOwnMessageAttributes, PermDeleteOwnMessage,
		}},
	}
}
