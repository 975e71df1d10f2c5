package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	mqtt3 "github.com/eclipse/paho.mqtt.golang"
	chat "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/wire"
)

// rpcConn is an MQTT 5 connection that runs RPC commands and publishes
// sends and typing signals, safe to use from one goroutine other than the
// test's (it reports problems as errors, never with t.Fatal).
type rpcConn struct {
	*mqttV5
	f        *mqttFixture
	identity string
	replies  string
	n        int
}

// rpcDial connects identity (on the test goroutine) and subscribes to its
// reply topic.
func (f *mqttFixture) rpcDial(t *testing.T, identity string) *rpcConn {
	t.Helper()
	m, err := f.dial5(t, "rpc-"+identity, "", f.token(t, identity, time.Hour))
	if err != nil {
		t.Fatalf("connect %s: %v", identity, err)
	}
	r := &rpcConn{mqttV5: m, f: f, identity: identity,
		replies: "chat/" + f.IS + "/users/" + m.connack.Properties.User.Get("parley-user-sid") + "/rpc"}
	if rc := m.subscribe(t, r.replies); len(rc) != 1 || rc[0] != 0 {
		t.Fatalf("%s: SUBACK %v on its reply topic", identity, rc)
	}
	return r
}

// rpcResult is a decoded RPC reply.
type rpcResult struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  *wire.Error     `json:"error"`
}

// outcome is what an action came to: "ok", an RPC error "rpc:<code>/<status>"
// or a PUBACK reason "puback:0x..".
func (r rpcResult) outcome() string {
	if r.OK {
		return "ok"
	}
	if r.Error == nil {
		return "rpc:no-error"
	}
	return fmt.Sprintf("rpc:%d/%d", r.Error.Code, r.Error.Status)
}

// call runs one RPC command and waits for its reply (matched by
// correlation data).
func (r *rpcConn) call(command string, args any) (rpcResult, error) {
	r.n++
	corr := strconv.Itoa(r.n)
	payload, err := json.Marshal(args)
	if err != nil {
		return rpcResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pa, err := r.c.Publish(ctx, &paho.Publish{Topic: "chat/" + r.f.IS + "/rpc/" + command, QoS: 1, Payload: payload,
		Properties: &paho.PublishProperties{ResponseTopic: r.replies, CorrelationData: []byte(corr)}})
	if err != nil {
		return rpcResult{}, fmt.Errorf("%s: publish: %w", command, err)
	}
	if pa.ReasonCode != 0 {
		return rpcResult{}, fmt.Errorf("%s: PUBACK %#x %s", command, pa.ReasonCode, pa.Properties.ReasonString)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case p := <-r.msgs:
			if p.Topic != r.replies || p.Properties == nil || string(p.Properties.CorrelationData) != corr {
				continue
			}
			var out rpcResult
			if err := json.Unmarshal(p.Payload, &out); err != nil {
				return out, fmt.Errorf("%s: reply is not JSON: %s", command, p.Payload)
			}
			return out, nil
		case <-deadline:
			return rpcResult{}, fmt.Errorf("%s: no reply within 5 s", command)
		}
	}
}

// publish publishes payload on a channel topic at QoS 1 and returns the
// PUBACK.
func (r *rpcConn) publish(topic string, payload []byte) (*paho.PublishResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pa, err := r.c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: payload})
	if pa == nil && err != nil {
		return nil, err
	}
	return pa, nil
}

// matrixCell is the fresh state one action runs against: a public channel
// where "other" (channel user) wrote message 0 and the actor message 1,
// with the actor a member in chRole (none when chRole is "").
type matrixCell struct {
	f                *mqttFixture
	ctx              context.Context
	name             string
	actor, oth, gst  string
	ch               *model.Channel
	ownMsg, otherMsg *model.Message
	member           bool
	// token is a value unique to the cell, for names the action sets.
	token string
	// made is what the action returned that its effect check needs.
	made string
}

var matrixAPI = core.API(false)

func (c *matrixCell) core() *core.Core { return c.f.ts.srv.core }

// matrixAction is one end-user action of issue 3's permission matrix:
// allowed exactly when the actor holds one of perms (nil: no permission
// needed). member: only a member may do it (a non-member gets 400/50400,
// PUBACK 0x87 for a publish, or notMember); conflictIfMember: a member
// holding the permission gets
// 409/50404 (joining twice). run performs it over MQTT and returns its
// outcome; effect (nil for typing, which leaves no state) tells whether it
// changed the state as it should.
type matrixAction struct {
	name             string
	perms            []string
	member           bool
	notMember        string // a non-member's outcome when not the default
	conflictIfMember bool
	publish          bool
	run              func(r *rpcConn, c *matrixCell) (string, error)
	effect           func(c *matrixCell) (bool, error)
}

func rpcOutcome(r *rpcConn, c *matrixCell, command string, args map[string]any) (string, error) {
	res, err := r.call(command, args)
	if err != nil {
		return "", err
	}
	if res.OK {
		var v struct {
			SID string `json:"sid"`
		}
		_ = json.Unmarshal(res.Result, &v)
		c.made = v.SID
	}
	return res.outcome(), nil
}

func pubOutcome(r *rpcConn, c *matrixCell, leaf string, payload []byte) (string, error) {
	pa, err := r.publish("chat/"+c.f.IS+"/channels/"+c.ch.SID+"/"+leaf, payload)
	if err != nil {
		return "", err
	}
	if pa.ReasonCode == 0 {
		if pa.Properties != nil {
			c.made = pa.Properties.User.Get("parley-index")
		}
		return "ok", nil
	}
	if pa.Properties == nil || pa.Properties.ReasonString == "" {
		return "", fmt.Errorf("PUBACK %#x without a reason string", pa.ReasonCode)
	}
	return fmt.Sprintf("puback:%#x", pa.ReasonCode), nil
}

func notFoundIs(err error) (bool, error) {
	if model.KindOf(err) == model.KindNotFound {
		return true, nil
	}
	return false, err
}

func (c *matrixCell) isMember(identity string) (bool, error) {
	_, err := c.core().GetMember(c.ctx, matrixAPI, c.f.IS, c.ch.SID, identity)
	if err == nil {
		return true, nil
	}
	gone, err := notFoundIs(err)
	return !gone && err == nil, err
}

func (c *matrixCell) message(sid string) (*model.Message, error) {
	return c.core().GetMessage(c.ctx, matrixAPI, c.f.IS, c.ch.SID, sid)
}

func (c *matrixCell) userName(identity string) (bool, error) {
	u, err := c.core().GetUser(c.ctx, matrixAPI, c.f.IS, identity)
	if err != nil {
		return false, err
	}
	return u.FriendlyName == c.token, nil
}

func (c *matrixCell) channelNow() (*model.Channel, error) {
	return c.core().GetChannel(c.ctx, matrixAPI, c.f.IS, c.ch.SID)
}

// matrixActions are the actions of the matrix, each as an MQTT client
// performs it.
var matrixActions = []matrixAction{
	{name: "send (publish)", perms: []string{model.PermSendMessage}, publish: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return pubOutcome(r, c, "messages", []byte(c.token))
		},
		effect: func(c *matrixCell) (bool, error) {
			ms, _, err := c.core().ListMessages(c.ctx, matrixAPI, c.f.IS, c.ch.SID, "", core.PageParams{})
			if err != nil {
				return false, err
			}
			return len(ms) == 3 && ms[2].Body == c.token && ms[2].From == c.actor && c.made == "2", nil
		}},
	{name: "typing (publish)", member: true, publish: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) { return pubOutcome(r, c, "typing", nil) },
		// Typing is ephemeral: the PUBACK is its only trace here (the
		// typing events are tested in TestMQTTTyping).
	},
	{name: "createChannel", perms: []string{model.PermCreateChannel},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "createChannel", map[string]any{"friendly_name": "made", "unique_name": "made-" + c.token})
		},
		effect: func(c *matrixCell) (bool, error) {
			ch, err := c.core().GetChannel(c.ctx, matrixAPI, c.f.IS, "made-"+c.token)
			if err != nil {
				gone, err := notFoundIs(err)
				return !gone, err
			}
			return ch.CreatedBy == c.actor, nil
		}},
	{name: "joinChannel", perms: []string{model.PermJoinChannel}, conflictIfMember: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "joinChannel", map[string]any{"channel": c.ch.SID})
		},
		effect: func(c *matrixCell) (bool, error) {
			if c.member { // a member's join changes nothing
				return false, nil
			}
			return c.isMember(c.actor)
		}},
	{name: "leaveChannel", perms: []string{model.PermLeaveChannel}, member: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "leaveChannel", map[string]any{"channel": c.ch.SID})
		},
		effect: func(c *matrixCell) (bool, error) {
			in, err := c.isMember(c.actor)
			return c.member && !in, err
		}},
	{name: "destroyChannel", perms: []string{model.PermDestroyChannel},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "destroyChannel", map[string]any{"channel": c.ch.SID})
		},
		effect: func(c *matrixCell) (bool, error) {
			_, err := c.channelNow()
			return notFoundIs(err)
		}},
	{name: "updateChannel friendly_name", perms: []string{model.PermEditChannelName},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "updateChannel", map[string]any{"channel": c.ch.SID, "friendly_name": c.token})
		},
		effect: func(c *matrixCell) (bool, error) {
			ch, err := c.channelNow()
			return err == nil && ch.FriendlyName == c.token, err
		}},
	{name: "updateChannel attributes", perms: []string{model.PermEditChannelAttributes},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "updateChannel", map[string]any{"channel": c.ch.SID, "attributes": `{"t":"` + c.token + `"}`})
		},
		effect: func(c *matrixCell) (bool, error) {
			ch, err := c.channelNow()
			return err == nil && strings.Contains(ch.Attributes, c.token), err
		}},
	{name: "addMember", perms: []string{model.PermAddMember},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "addMember", map[string]any{"channel": c.ch.SID, "identity": c.gst})
		},
		effect: func(c *matrixCell) (bool, error) { return c.isMember(c.gst) }},
	{name: "inviteMember", perms: []string{model.PermInviteMember},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "inviteMember", map[string]any{"channel": c.ch.SID, "identity": c.gst})
		},
		effect: func(c *matrixCell) (bool, error) {
			invs, _, err := c.core().ListInvites(c.ctx, matrixAPI, c.f.IS, c.ch.SID, []string{c.gst}, core.PageParams{})
			return len(invs) == 1 && invs[0].CreatedBy == c.actor, err
		}},
	{name: "removeMember other", perms: []string{model.PermRemoveMember},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "removeMember", map[string]any{"channel": c.ch.SID, "identity": c.oth})
		},
		effect: func(c *matrixCell) (bool, error) {
			in, err := c.isMember(c.oth)
			return !in, err
		}},
	{name: "editMessage own body", perms: []string{model.PermEditOwnMessage, model.PermEditAnyMessage}, member: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "editMessage", map[string]any{"channel": c.ch.SID, "index": c.ownMsg.Index, "body": c.token})
		},
		effect: func(c *matrixCell) (bool, error) {
			m, err := c.message(c.ownMsg.SID)
			return err == nil && m.Body == c.token, err
		}},
	{name: "editMessage other body", perms: []string{model.PermEditAnyMessage}, member: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "editMessage", map[string]any{"channel": c.ch.SID, "index": c.otherMsg.Index, "body": c.token})
		},
		effect: func(c *matrixCell) (bool, error) {
			m, err := c.message(c.otherMsg.SID)
			return err == nil && m.Body == c.token, err
		}},
	{name: "editMessage own attributes", perms: []string{model.PermEditOwnMessageAttributes, model.PermEditAnyMessageAttributes}, member: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "editMessage", map[string]any{"channel": c.ch.SID, "index": c.ownMsg.Index, "attributes": `{"t":"` + c.token + `"}`})
		},
		effect: func(c *matrixCell) (bool, error) {
			m, err := c.message(c.ownMsg.SID)
			return err == nil && strings.Contains(m.Attributes, c.token), err
		}},
	{name: "editMessage other attributes", perms: []string{model.PermEditAnyMessageAttributes}, member: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "editMessage", map[string]any{"channel": c.ch.SID, "index": c.otherMsg.Index, "attributes": `{"t":"` + c.token + `"}`})
		},
		effect: func(c *matrixCell) (bool, error) {
			m, err := c.message(c.otherMsg.SID)
			return err == nil && strings.Contains(m.Attributes, c.token), err
		}},
	{name: "deleteMessage own", perms: []string{model.PermDeleteOwnMessage, model.PermDeleteAnyMessage}, member: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "deleteMessage", map[string]any{"channel": c.ch.SID, "index": c.ownMsg.Index})
		},
		effect: func(c *matrixCell) (bool, error) {
			_, err := c.message(c.ownMsg.SID)
			return notFoundIs(err)
		}},
	{name: "deleteMessage other", perms: []string{model.PermDeleteAnyMessage}, member: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "deleteMessage", map[string]any{"channel": c.ch.SID, "index": c.otherMsg.Index})
		},
		effect: func(c *matrixCell) (bool, error) {
			_, err := c.message(c.otherMsg.SID)
			return notFoundIs(err)
		}},
	// A non-member has no user channel to set a level on: 404, as the
	// REST API's user channel (hooks' RPC tests pin this answer).
	{name: "setNotificationLevel", perms: []string{model.PermEditNotificationLevel}, member: true, notMember: "rpc:20404/404",
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "setNotificationLevel", map[string]any{"channel": c.ch.SID, "level": "muted"})
		},
		effect: func(c *matrixCell) (bool, error) {
			m, err := c.core().GetMember(c.ctx, matrixAPI, c.f.IS, c.ch.SID, c.actor)
			if model.KindOf(err) == model.KindNotFound {
				return false, nil
			}
			return err == nil && m.NotificationLevel == model.NotificationMuted, err
		}},
	{name: "updateUser self", perms: []string{model.PermEditOwnUserInfo, model.PermEditAnyUserInfo},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "updateUser", map[string]any{"friendly_name": c.token})
		},
		effect: func(c *matrixCell) (bool, error) { return c.userName(c.actor) }},
	{name: "updateUser other", perms: []string{model.PermEditAnyUserInfo},
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			return rpcOutcome(r, c, "updateUser", map[string]any{"identity": c.oth, "friendly_name": c.token})
		},
		effect: func(c *matrixCell) (bool, error) { return c.userName(c.oth) }},
	{name: "getMessages", member: true,
		run: func(r *rpcConn, c *matrixCell) (string, error) {
			res, err := r.call("getMessages", map[string]any{"channel": c.ch.SID})
			if err != nil {
				return "", err
			}
			if res.OK {
				var page struct {
					Items []wire.Message `json:"items"`
				}
				if err := json.Unmarshal(res.Result, &page); err != nil {
					return "", err
				}
				var bodies []string
				for _, m := range page.Items {
					bodies = append(bodies, m.Body)
				}
				c.made = strings.Join(bodies, "|")
			}
			return res.outcome(), nil
		},
		effect: func(c *matrixCell) (bool, error) { return c.made == "theirs|mine", nil }},
}

// matrixProfile is who acts: a user with a service role, and (when
// chRole is set) a member of each cell's channel with a channel role.
type matrixProfile struct {
	name              string
	svcRole, chRole   string   // role SIDs
	svcPerms, chPerms []string // what the roles hold (the expectation)
	actor, other, gst string   // identities
	conn              *rpcConn // set once connected
	member            bool
}

// expect returns the outcome the profile must get for act.
func (p *matrixProfile) expect(act matrixAction) string {
	held := slices.Clone(p.svcPerms)
	if p.member {
		held = append(held, p.chPerms...)
	}
	allowed := act.perms == nil || slices.ContainsFunc(act.perms, func(x string) bool { return slices.Contains(held, x) })
	refused := "rpc:50107/403"
	if act.publish {
		refused = "puback:0x87"
	}
	switch {
	case act.member && !p.member:
		if act.notMember != "" {
			return act.notMember
		}
		if act.publish {
			return "puback:0x87"
		}
		return "rpc:50400/400"
	case !allowed:
		return refused
	case act.conflictIfMember && p.member:
		return "rpc:50404/409"
	}
	return "ok"
}

// allPermissions is every permission of the vocabulary: the union of the
// default roles' lists, which together name all of them.
func allPermissions() []string {
	var out []string
	for _, r := range model.DefaultRoles() {
		for _, p := range r.Permissions {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestMQTTPermissionMatrix is issue 3's permission matrix over MQTT: every
// action (send and typing publishes with their PUBACK codes, and the RPC
// commands) run by a user of each default service role as a member of each
// default channel role and as a non-member, and by users of custom roles
// (created over REST) lacking each permission in turn and holding only
// that permission, on a fresh channel per cell. Each is allowed or refused
// exactly as the roles' permission lists (reference section 4, the union of
// service and channel role) say; an allowed action must have its effect and
// a refused one none.
func TestMQTTPermissionMatrix(t *testing.T) {
	f := mqttSetup(t)
	api := f.ts.Twilio.ChatV2
	cr := f.ts.srv.core
	ctx := context.Background()

	// The default roles, by name, with their permission lists as reference
	// section 4 gives them (model.DefaultRoles): the service must serve
	// exactly those.
	defaults := map[string][]string{}
	for _, r := range model.DefaultRoles() {
		defaults[r.FriendlyName] = r.Permissions
	}
	roles, err := api.ListRole(f.IS, nil)
	if err != nil {
		t.Fatal(err)
	}
	roleSID := map[string]string{}
	for _, r := range roles {
		roleSID[*r.FriendlyName] = *r.Sid
		want := slices.Clone(defaults[*r.FriendlyName])
		got := slices.Clone(*r.Permissions)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("role %q permissions %v, want %v", *r.FriendlyName, got, want)
		}
	}

	var profiles []*matrixProfile
	add := func(p *matrixProfile) {
		k := len(profiles)
		p.actor, p.other, p.gst = fmt.Sprint("act", k), fmt.Sprint("oth", k), fmt.Sprint("gst", k)
		p.member = p.chRole != ""
		profiles = append(profiles, p)
	}
	for _, s := range []string{model.RoleNameServiceUser, model.RoleNameServiceAdmin} {
		for _, c := range []string{model.RoleNameChannelUser, model.RoleNameChannelAdmin, ""} {
			p := &matrixProfile{name: s + " / " + map[bool]string{true: c, false: "non-member"}[c != ""],
				svcRole: roleSID[s], svcPerms: defaults[s]}
			if c != "" {
				p.chRole, p.chPerms = roleSID[c], defaults[c]
			}
			add(p)
		}
	}
	// Custom roles: for each permission, a pair lacking it (all the other
	// permissions valid in each scope) and a pair holding only it (with a
	// filler where the scope does not take it: editOwnUserInfo for the
	// service role, editOwnMemberAttributes, which no MQTT action uses,
	// for the channel role).
	mkRole := func(name string, typ model.RoleType, perms []string) string {
		r, err := api.CreateRole(f.IS, new(chat.CreateRoleParams).SetFriendlyName(name).SetType(string(typ)).SetPermission(perms))
		if err != nil {
			t.Fatalf("create role %s %v: %v", name, perms, err)
		}
		return *r.Sid
	}
	all := allPermissions()
	if len(all) != 22 {
		t.Fatalf("the vocabulary has %d permissions, want 22", len(all))
	}
	scoped := func(t model.RoleType, keep func(string) bool) []string {
		var out []string
		for _, p := range all {
			if model.PermissionValid(p, t) && keep(p) {
				out = append(out, p)
			}
		}
		return out
	}
	for _, perm := range all {
		sp := scoped(model.RoleDeployment, func(p string) bool { return p != perm })
		cp := scoped(model.RoleChannel, func(p string) bool { return p != perm })
		add(&matrixProfile{name: "custom without " + perm, svcPerms: sp, chPerms: cp,
			svcRole: mkRole("no-"+perm+"-svc", model.RoleDeployment, sp), chRole: mkRole("no-"+perm+"-ch", model.RoleChannel, cp)})
		sp = []string{model.PermEditOwnUserInfo}
		if model.PermissionValid(perm, model.RoleDeployment) {
			sp = []string{perm}
		}
		cp = []string{model.PermEditOwnMemberAttributes}
		if model.PermissionValid(perm, model.RoleChannel) {
			cp = []string{perm}
		}
		add(&matrixProfile{name: "custom only " + perm, svcPerms: sp, chPerms: cp,
			svcRole: mkRole("only-"+perm+"-svc", model.RoleDeployment, sp), chRole: mkRole("only-"+perm+"-ch", model.RoleChannel, cp)})
		// The service role alone, for a non-member: what a user may do to
		// a channel it has not joined.
		if model.PermissionValid(perm, model.RoleDeployment) {
			sp := scoped(model.RoleDeployment, func(p string) bool { return p != perm })
			add(&matrixProfile{name: "custom without " + perm + " / non-member", svcPerms: sp,
				svcRole: mkRole("no-"+perm+"-svc-nm", model.RoleDeployment, sp)})
		}
	}
	// Users with their service roles (over REST), their guests (who must
	// exist to be invited), and one connection each.
	for _, p := range profiles {
		if _, err := api.CreateUser(f.IS, new(chat.CreateUserParams).SetIdentity(p.actor).SetRoleSid(p.svcRole)); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{p.other, p.gst} {
			if _, err := cr.CreateUser(ctx, matrixAPI, f.IS, core.UserCreate{Identity: id}); err != nil {
				t.Fatal(err)
			}
		}
		p.conn = f.rpcDial(t, p.actor)
	}

	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	cells := 0
	for _, p := range profiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, act := range matrixActions {
				name := p.name + ": " + act.name
				c, err := newMatrixCell(ctx, f, p, fmt.Sprintf("%s-%d", p.actor, i))
				if err != nil {
					t.Errorf("%s: setup: %v", name, err)
					return
				}
				c.name = name
				got, err := act.run(p.conn, c)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				want := p.expect(act)
				if got != want {
					t.Errorf("%s: got %s, want %s (the roles hold %v + %v, the action needs one of %v)",
						name, got, want, p.svcPerms, map[bool][]string{true: p.chPerms}[p.member], act.perms)
					continue
				}
				if act.effect == nil {
					mu.Lock()
					cells++
					mu.Unlock()
					continue
				}
				did, err := act.effect(c)
				switch {
				case err != nil:
					t.Errorf("%s: checking the effect: %v", name, err)
				case got == "ok" && !did:
					t.Errorf("%s: allowed, but the state does not show it", name)
				case got != "ok" && did:
					t.Errorf("%s: refused (%s), but the state changed", name, got)
				}
				mu.Lock()
				cells++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d profiles, %d cells in %v", len(profiles), cells, time.Since(start))
	if want := len(profiles) * len(matrixActions); cells != want && !t.Failed() {
		t.Fatalf("%d cells checked, want %d", cells, want)
	}
}

// newMatrixCell creates a cell's channel through core (REST actor): "other"
// joined as channel user with message 0, the actor's message 1, and the
// actor a member in the profile's channel role when it has one.
func newMatrixCell(ctx context.Context, f *mqttFixture, p *matrixProfile, token string) (*matrixCell, error) {
	cr := f.ts.srv.core
	c := &matrixCell{f: f, ctx: ctx, actor: p.actor, oth: p.other, gst: p.gst, member: p.member, token: token}
	var err error
	if c.ch, err = cr.CreateChannel(ctx, matrixAPI, f.IS, core.ChannelCreate{FriendlyName: "cell"}); err != nil {
		return nil, err
	}
	if _, err := cr.CreateMember(ctx, matrixAPI, f.IS, c.ch.SID, core.MemberCreate{Identity: p.other}); err != nil {
		return nil, err
	}
	theirs, mine := "theirs", "mine"
	if c.otherMsg, err = cr.CreateMessage(ctx, matrixAPI, f.IS, c.ch.SID, core.MessageCreate{From: p.other, Body: &theirs}); err != nil {
		return nil, err
	}
	if c.ownMsg, err = cr.CreateMessage(ctx, matrixAPI, f.IS, c.ch.SID, core.MessageCreate{From: p.actor, Body: &mine}); err != nil {
		return nil, err
	}
	if c.otherMsg.Index != 0 || c.ownMsg.Index != 1 {
		return nil, errors.New("cell messages not at indices 0 and 1")
	}
	if p.member {
		if _, err := cr.CreateMember(ctx, matrixAPI, f.IS, c.ch.SID, core.MemberCreate{Identity: p.actor, RoleSID: p.chRole}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// TestMQTTIsolation: a user of service A (their token is for A) can neither
// subscribe to nor publish on any topic of service B, nor on the topics of
// a channel of A they are not a member of, nor on another user's topics,
// with any wildcard form, $share or $SYS; RPC on B's prefix is refused and
// RPC on A's naming B's channel answers 404. Sanity filters that must be
// allowed are in the same SUBSCRIBE, so a test that refused everything
// would fail.
func TestMQTTIsolation(t *testing.T) {
	f := mqttSetup(t)
	api := f.ts.Twilio.ChatV2
	A := f.IS
	// Service B, where alice (same identity) is a member of CHB.
	svcB, err := api.CreateService(new(chat.CreateServiceParams).SetFriendlyName("other service"))
	if err != nil {
		t.Fatal(err)
	}
	B := *svcB.Sid
	chB, err := api.CreateChannel(B, new(chat.CreateChannelParams).SetFriendlyName("b-room"))
	if err != nil {
		t.Fatal(err)
	}
	CHB := *chB.Sid
	if _, err := api.CreateMember(B, CHB, new(chat.CreateMemberParams).SetIdentity("alice")); err != nil {
		t.Fatal(err)
	}
	aliceInB, err := api.FetchUser(B, "alice")
	if err != nil {
		t.Fatal(err)
	}
	// In A: a public channel alice is not in, and a private one of bob's.
	other, err := api.CreateChannel(A, new(chat.CreateChannelParams).SetFriendlyName("not mine"))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := api.CreateChannel(A, new(chat.CreateChannelParams).SetFriendlyName("secret").SetType("private"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{*other.Sid, *secret.Sid} {
		if _, err := api.CreateMember(A, ch, new(chat.CreateMemberParams).SetIdentity("bob")); err != nil {
			t.Fatal(err)
		}
	}
	bobA, err := api.FetchUser(A, "bob")
	if err != nil {
		t.Fatal(err)
	}

	alice := f.rpcDial(t, "alice")
	usA := alice.connack.Properties.User.Get("parley-user-sid")
	CH, OTH, SEC, usB, bob := f.CH, *other.Sid, *secret.Sid, *aliceInB.Sid, *bobA.Sid
	chA := func(ch, leaf string) string { return "chat/" + A + "/channels/" + ch + "/" + leaf }
	allowed := []string{chA(CH, "messages"), chA(CH, "+"), "chat/" + A + "/users/me/events", "chat/" + A + "/users/" + usA + "/#"}
	refused := []string{
		// Service B, every form.
		"chat/" + B + "/channels/" + CHB + "/messages", "chat/" + B + "/channels/" + CHB + "/events",
		"chat/" + B + "/channels/" + CHB + "/+", "chat/" + B + "/channels/" + CHB + "/#",
		"chat/" + B + "/channels/+/messages", "chat/" + B + "/channels/#", "chat/" + B + "/#", "chat/" + B + "/+/+/+/+",
		"chat/" + B + "/users/" + usB + "/events", "chat/" + B + "/users/" + usB + "/#", "chat/" + B + "/users/me/events",
		"chat/" + B + "/users/+/events", "chat/" + B + "/users/#", "chat/" + B + "/rpc/#",
		// B's channel and alice's B user under A's prefix.
		chA(CHB, "messages"), chA(CHB, "#"), "chat/" + A + "/users/" + usB + "/events",
		// Any service.
		"chat/+/channels/" + CH + "/messages", "chat/+/channels/" + CHB + "/messages", "chat/+/channels/+/messages",
		"chat/+/users/" + usA + "/events", "chat/+/users/+/events", "chat/+/#", "+/#", "#", "+/+/+/+/+", "+/" + A + "/channels/" + CH + "/messages",
		// A's channels alice is not in, and wildcards over channels.
		chA(OTH, "messages"), chA(OTH, "events"), chA(OTH, "+"), chA(OTH, "#"),
		chA(SEC, "messages"), chA(SEC, "events"), chA(SEC, "+"), chA(SEC, "#"),
		chA("+", "messages"), chA("+", "events"), chA("+", "+"), chA("+", "#"), "chat/" + A + "/channels/#",
		"chat/" + A + "/+/" + CH + "/messages", "chat/" + A + "/+/+/+", "chat/" + A + "/#",
		chA(CH, "typing"), chA(CH, "messages/#"), chA(CH, "messages/+"),
		// Other users' topics and the request topics.
		"chat/" + A + "/users/" + bob + "/events", "chat/" + A + "/users/" + bob + "/rpc", "chat/" + A + "/users/" + bob + "/#",
		"chat/" + A + "/users/+/events", "chat/" + A + "/users/+/rpc", "chat/" + A + "/users/+/#", "chat/" + A + "/users/#",
		"chat/" + A + "/rpc/#", "chat/" + A + "/rpc/session", "chat/" + A + "/rpc/+",
		// $share (even of a channel alice is in) and $SYS.
		"$share/g/" + chA(CH, "messages"), "$share/g/chat/" + B + "/#", "$share/g/#", "$share/g/chat/" + A + "/users/" + usA + "/events",
		"$SYS/#", "$SYS/+", "$SYS/broker/clients/connected",
	}
	rc := alice.subscribe(t, append(slices.Clone(allowed), refused...)...)
	if len(rc) != len(allowed)+len(refused) {
		t.Fatalf("SUBACK has %d codes for %d filters", len(rc), len(allowed)+len(refused))
	}
	for i, code := range rc {
		if i < len(allowed) {
			if code != 0 {
				t.Errorf("allowed filter %s: SUBACK %#x", allowed[i], code)
			}
		} else if code != 0x87 {
			t.Errorf("filter %s: SUBACK %#x, want 0x87", refused[i-len(allowed)], code)
		}
	}

	// Publishing anywhere but A's member channel is refused, and stores
	// nothing.
	for _, topic := range []string{
		"chat/" + B + "/channels/" + CHB + "/messages", "chat/" + B + "/channels/" + CHB + "/typing",
		"chat/" + B + "/rpc/session", "chat/" + B + "/rpc/sendMessage", "chat/" + B + "/users/" + usB + "/rpc",
		chA(CHB, "messages"), chA(CHB, "typing"), chA(OTH, "messages"), chA(OTH, "typing"), chA(SEC, "messages"), chA(SEC, "typing"),
		chA(CH, "events"), "chat/" + A + "/users/" + bob + "/events", "chat/" + A + "/users/" + usA + "/events",
		"chat/" + A + "/users/" + bob + "/rpc", "$SYS/broker/x", "$share/g/" + chA(CH, "messages"), "elsewhere/x",
	} {
		pa, err := alice.publish(topic, []byte(`{"channel":"`+CHB+`","body":"intruder"}`))
		if err != nil {
			t.Errorf("publish %s: %v", topic, err)
			continue
		}
		want := byte(0x87)
		if strings.HasPrefix(topic, "$SYS") {
			want = 0x90 // mochi drops these unanswered; the hook answers
		}
		if pa.ReasonCode != want || pa.Properties == nil || pa.Properties.ReasonString == "" {
			t.Errorf("publish %s: PUBACK %#x %+v, want %#x with a reason", topic, pa.ReasonCode, pa.Properties, want)
		}
	}
	for _, c := range [][2]string{{B, CHB}, {A, OTH}, {A, SEC}} {
		ms, err := api.ListMessage(c[0], c[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 0 {
			t.Errorf("channel %s got %d messages from refused publishes", c[1], len(ms))
		}
	}
	// No RPC reply came from B's prefix.
	select {
	case p := <-alice.msgs:
		t.Errorf("unexpected delivery on %s: %s", p.Topic, p.Payload)
	case <-time.After(100 * time.Millisecond):
	}

	// RPC on A's prefix cannot reach B's channel or A's private channel:
	// 404 as for a channel that does not exist.
	for _, c := range []struct {
		cmd  string
		args map[string]any
	}{
		{"getChannel", map[string]any{"channel": CHB}},
		{"joinChannel", map[string]any{"channel": CHB}},
		{"sendMessage", map[string]any{"channel": CHB, "body": "x"}},
		{"getMessages", map[string]any{"channel": CHB}},
		{"getMembers", map[string]any{"channel": CHB}},
		{"typing", map[string]any{"channel": CHB}},
		{"leaveChannel", map[string]any{"channel": CHB}},
		{"getUser", map[string]any{"identity": usB}},
		{"getChannel", map[string]any{"channel": SEC}},
		{"getMessages", map[string]any{"channel": SEC}},
		{"joinChannel", map[string]any{"channel": SEC}},
		{"sendMessage", map[string]any{"channel": SEC, "body": "x"}},
	} {
		res, err := alice.call(c.cmd, c.args)
		if err != nil {
			t.Errorf("%s %v: %v", c.cmd, c.args, err)
			continue
		}
		if got := res.outcome(); got != "rpc:20404/404" {
			t.Errorf("%s %v: %s, want rpc:20404/404", c.cmd, c.args, got)
		}
	}
	// The same requests for A's own channel work (the test can tell).
	if res, err := alice.call("getMessages", map[string]any{"channel": CH}); err != nil || !res.OK {
		t.Errorf("getMessages on alice's channel: %v %s", err, res.outcome())
	}

	// Deliveries: a message in each channel reaches alice only from hers.
	for _, c := range [][2]string{{B, CHB}, {A, OTH}, {A, SEC}, {A, CH}} {
		if _, err := api.CreateMessage(c[0], c[1], new(chat.CreateMessageParams).SetBody("to "+c[1])); err != nil {
			t.Fatal(err)
		}
	}
	p := alice.next(t, chA(CH, "messages"), 3*time.Second)
	if ev := mqttEvent(t, p.Payload); ev.Message == nil || ev.Message.Body != "to "+CH {
		t.Errorf("delivery %s", p.Payload)
	}
	deadline := time.After(300 * time.Millisecond)
	for done := false; !done; {
		select {
		case p := <-alice.msgs:
			if ev := mqttEvent(t, p.Payload); ev.ChannelSID != CH {
				t.Errorf("alice received %s on %s", p.Payload, p.Topic)
			}
		case <-deadline:
			done = true
		}
	}

	// MQTT 3.1.1: refused filters get 0x80, a publish to B disconnects.
	lost := make(chan error, 1)
	opts := mqtt3.NewClientOptions().AddBroker("tcp://" + f.ts.MQTTAddr).SetClientID("alice-v3").SetUsername("alice").
		SetPassword(f.token(t, "alice", time.Hour)).SetProtocolVersion(4).SetAutoReconnect(false).
		SetConnectionLostHandler(func(_ mqtt3.Client, err error) { lost <- err })
	cl := mqtt3.NewClient(opts)
	if tk := cl.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("v3 connect: %v", tk.Error())
	}
	defer cl.Disconnect(100)
	filters := map[string]byte{chA(CH, "messages"): 0}
	for _, fl := range []string{"chat/" + B + "/#", "chat/" + B + "/channels/" + CHB + "/messages", chA(OTH, "messages"),
		chA("+", "messages"), "chat/" + A + "/users/" + bob + "/events", "#", "$SYS/#"} {
		filters[fl] = 0
	}
	st := cl.SubscribeMultiple(filters, nil)
	if !st.WaitTimeout(5*time.Second) || st.Error() != nil {
		t.Fatalf("v3 subscribe: %v", st.Error())
	}
	for fl, code := range st.(*mqtt3.SubscribeToken).Result() {
		want := byte(0x80)
		if fl == chA(CH, "messages") {
			want = 0
		}
		if code != want {
			t.Errorf("v3 filter %s: SUBACK %#x, want %#x", fl, code, want)
		}
	}
	cl.Publish("chat/"+B+"/channels/"+CHB+"/messages", 1, false, "intruder")
	select {
	case <-lost:
	case <-time.After(3 * time.Second):
		t.Error("v3 client not disconnected after publishing to another service")
	}
}
