package core_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// sdkRoles returns the service's default roles by friendly name.
func (e *sdkEnv) roles() map[string]*model.Role {
	e.t.Helper()
	rs, _, err := e.core.ListRoles(e.ctx, api, e.svc.SID, core.PageParams{})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*model.Role{}
	for i := range rs {
		out[rs[i].FriendlyName] = &rs[i]
	}
	return out
}

// sdkAction is one end-user action of the permission matrix: it is allowed
// exactly when the actor holds one of perms.
type sdkAction struct {
	name  string
	perms []string
	// member: only meaningful for a member (a non-member gets 50400, not
	// 403); nonMember: only for a non-member (a member gets 409).
	member, nonMember bool
	run               func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error
}

// sdkFixture is what each matrix cell acts on: a fresh public channel where
// "other" (channel user) has a message, and the actor may have one.
type sdkFixture struct {
	otherMsg, ownMsg *model.Message
	otherMember      *model.Member
}

var sdkActions = []sdkAction{
	{name: "createChannel", perms: []string{model.PermCreateChannel}, run: func(e *sdkEnv, a core.Actor, _ string, _ *sdkFixture) error {
		_, err := e.core.CreateChannel(e.ctx, a, e.svc.SID, core.ChannelCreate{FriendlyName: "new"})
		return err
	}},
	{name: "joinChannel", perms: []string{model.PermJoinChannel}, nonMember: true, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		_, err := e.core.JoinChannel(e.ctx, a, e.svc.SID, ch)
		return err
	}},
	{name: "destroyChannel", perms: []string{model.PermDestroyChannel}, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		return e.core.DeleteChannel(e.ctx, a, e.svc.SID, ch)
	}},
	{name: "inviteMember", perms: []string{model.PermInviteMember}, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		_, err := e.core.CreateInvite(e.ctx, a, e.svc.SID, ch, core.InviteCreate{Identity: "guest"})
		return err
	}},
	{name: "addMember", perms: []string{model.PermAddMember}, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		_, err := e.core.CreateMember(e.ctx, a, e.svc.SID, ch, core.MemberCreate{Identity: "guest"})
		return err
	}},
	{name: "removeMember", perms: []string{model.PermRemoveMember}, run: func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error {
		return e.core.DeleteMember(e.ctx, a, e.svc.SID, ch, f.otherMember.SID)
	}},
	{name: "editChannelName", perms: []string{model.PermEditChannelName}, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		n := "renamed"
		_, err := e.core.UpdateChannel(e.ctx, a, e.svc.SID, ch, core.ChannelUpdate{FriendlyName: &n})
		return err
	}},
	{name: "editChannelAttributes", perms: []string{model.PermEditChannelAttributes}, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		at := `{"x":1}`
		_, err := e.core.UpdateChannel(e.ctx, a, e.svc.SID, ch, core.ChannelUpdate{Attributes: &at})
		return err
	}},
	{name: "sendMessage", perms: []string{model.PermSendMessage}, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		b := "hi"
		_, err := e.core.CreateMessage(e.ctx, a, e.svc.SID, ch, core.MessageCreate{Body: &b})
		return err
	}},
	{name: "editOwnMessage", perms: []string{model.PermEditOwnMessage, model.PermEditAnyMessage}, run: func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error {
		b := "edited"
		_, err := e.core.UpdateMessage(e.ctx, a, e.svc.SID, ch, f.ownMsg.SID, core.MessageUpdate{Body: &b})
		return err
	}},
	{name: "editAnyMessage", perms: []string{model.PermEditAnyMessage}, run: func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error {
		b := "edited"
		_, err := e.core.UpdateMessage(e.ctx, a, e.svc.SID, ch, f.otherMsg.SID, core.MessageUpdate{Body: &b})
		return err
	}},
	{name: "editOwnMessageAttributes", perms: []string{model.PermEditOwnMessageAttributes, model.PermEditAnyMessageAttributes}, run: func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error {
		at := `{"e":1}`
		_, err := e.core.UpdateMessage(e.ctx, a, e.svc.SID, ch, f.ownMsg.SID, core.MessageUpdate{Attributes: &at})
		return err
	}},
	{name: "editAnyMessageAttributes", perms: []string{model.PermEditAnyMessageAttributes}, run: func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error {
		at := `{"e":1}`
		_, err := e.core.UpdateMessage(e.ctx, a, e.svc.SID, ch, f.otherMsg.SID, core.MessageUpdate{Attributes: &at})
		return err
	}},
	{name: "deleteOwnMessage", perms: []string{model.PermDeleteOwnMessage, model.PermDeleteAnyMessage}, run: func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error {
		return e.core.DeleteMessage(e.ctx, a, e.svc.SID, ch, f.ownMsg.SID)
	}},
	{name: "deleteAnyMessage", perms: []string{model.PermDeleteAnyMessage}, run: func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error {
		return e.core.DeleteMessage(e.ctx, a, e.svc.SID, ch, f.otherMsg.SID)
	}},
	{name: "editOwnMemberAttributes", perms: []string{model.PermEditOwnMemberAttributes, model.PermEditAnyMemberAttributes}, member: true, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		at := `{"m":1}`
		_, err := e.core.UpdateMember(e.ctx, a, e.svc.SID, ch, a.Identity, core.MemberUpdate{Attributes: &at})
		return err
	}},
	{name: "editAnyMemberAttributes", perms: []string{model.PermEditAnyMemberAttributes}, run: func(e *sdkEnv, a core.Actor, ch string, f *sdkFixture) error {
		at := `{"m":1}`
		_, err := e.core.UpdateMember(e.ctx, a, e.svc.SID, ch, f.otherMember.SID, core.MemberUpdate{Attributes: &at})
		return err
	}},
	{name: "leaveChannel", perms: []string{model.PermLeaveChannel}, member: true, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		return e.core.LeaveChannel(e.ctx, a, e.svc.SID, ch)
	}},
	{name: "editNotificationLevel", perms: []string{model.PermEditNotificationLevel}, member: true, run: func(e *sdkEnv, a core.Actor, ch string, _ *sdkFixture) error {
		l := "muted"
		_, err := e.core.UpdateUserChannel(e.ctx, a, e.svc.SID, a.Identity, ch, core.UserChannelUpdate{NotificationLevel: &l})
		return err
	}},
	{name: "editOwnUserInfo", perms: []string{model.PermEditOwnUserInfo, model.PermEditAnyUserInfo}, run: func(e *sdkEnv, a core.Actor, _ string, _ *sdkFixture) error {
		n := "Me"
		_, err := e.core.UpdateUser(e.ctx, a, e.svc.SID, a.Identity, core.UserUpdate{FriendlyName: &n})
		return err
	}},
	{name: "editAnyUserInfo", perms: []string{model.PermEditAnyUserInfo}, run: func(e *sdkEnv, a core.Actor, _ string, _ *sdkFixture) error {
		n := "Other"
		_, err := e.core.UpdateUser(e.ctx, a, e.svc.SID, "other", core.UserUpdate{FriendlyName: &n})
		return err
	}},
}

// TestSDKPermissionMatrix runs every action as a user of each default
// service role, as a member of each default channel role and as a
// non-member, and checks that it is allowed exactly when the union of the
// roles' permission lists (model.DefaultRoles) holds one of its
// permissions, and refused with 403/50107 otherwise.
func TestSDKPermissionMatrix(t *testing.T) {
	e := newSDKEnv(t)
	roles := e.roles()
	e.user("other", "")
	e.user("guest", "")
	defaults := map[string][]string{}
	for _, r := range model.DefaultRoles() {
		defaults[r.FriendlyName] = r.Permissions
	}
	n := 0
	for _, svcRole := range []string{model.RoleNameServiceAdmin, model.RoleNameServiceUser} {
		for _, chRole := range []string{model.RoleNameChannelAdmin, model.RoleNameChannelUser, ""} {
			for _, act := range sdkActions {
				if act.member && chRole == "" || act.nonMember && chRole != "" {
					continue
				}
				n++
				held := slices.Concat(defaults[svcRole], defaults[chRole])
				allowed := slices.ContainsFunc(act.perms, func(p string) bool { return slices.Contains(held, p) })
				name := fmt.Sprintf("%s/%s/%s", svcRole, chRole, act.name)
				id := fmt.Sprintf("actor%d", n)
				e.user(id, roles[svcRole].SID)
				ch := e.channel(fmt.Sprintf("room%d", n), model.ChannelPublic)
				if chRole != "" {
					e.member(ch.SID, id, roles[chRole].SID)
				}
				f := &sdkFixture{otherMember: e.member(ch.SID, "other", "")}
				body := "theirs"
				var err error
				f.otherMsg, err = e.core.CreateMessage(e.ctx, api, e.svc.SID, ch.SID, core.MessageCreate{Body: &body, From: "other"})
				sdkMust(t, name, err)
				body = "mine"
				f.ownMsg, err = e.core.CreateMessage(e.ctx, api, e.svc.SID, ch.SID, core.MessageCreate{Body: &body, From: id})
				sdkMust(t, name, err)

				err = act.run(e, sdkActor(id), ch.SID, f)
				switch {
				case allowed && err != nil:
					t.Errorf("%s: refused (%v), but the roles grant one of %v", name, err, act.perms)
				case !allowed && err == nil:
					t.Errorf("%s: allowed, but the roles grant none of %v", name, act.perms)
				case !allowed && (model.KindOf(err) != model.KindForbidden || model.CodeOf(err) != model.CodeNotAuthorized):
					t.Errorf("%s: got %v, want 403/50107", name, err)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d matrix cells ran", n)
	}
}

// TestSDKRoleChangeRefused: no permission lets an end user change a
// user's service role, not even editAnyUserInfo.
func TestSDKRoleChangeRefused(t *testing.T) {
	e := newSDKEnv(t)
	roles := e.roles()
	e.user("admin", roles[model.RoleNameServiceAdmin].SID)
	rs := roles[model.RoleNameServiceAdmin].SID
	_, err := e.core.UpdateUser(e.ctx, sdkActor("admin"), e.svc.SID, "admin", core.UserUpdate{RoleSID: &rs})
	sdkWant(t, "UpdateUser RoleSid by an end user", err, model.KindForbidden, model.CodeNotAuthorized)
}
