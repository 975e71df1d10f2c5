package broker

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/wire"
)

// Event publisher tuning; docs/operations.md explains each.
const (
	// ReorderHold is how long an event that arrives before its channel's
	// previous seq is held waiting for the missing one.
	ReorderHold = 50 * time.Millisecond
	// eventShards is the number of delivery goroutines; a channel always
	// maps to the same one, so its events keep their order.
	eventShards = 4
	// eventQueue is each shard's queue length.
	eventQueue = 4096
	// enqueueWait is how long Publish waits for room in a full queue
	// before it drops the event (subscribers see the gap in seq).
	enqueueWait = 50 * time.Millisecond
	// lookupTimeout bounds each Directory lookup.
	lookupTimeout = 2 * time.Second
	// idleChannelState is how long a channel's reorder state is kept
	// after its last event.
	idleChannelState = 2 * time.Minute
)

// Topic builders of docs/protocol.md.

// ChannelTopic returns chat/{IS}/channels/{CH}/{leaf}.
func ChannelTopic(serviceSID, channelSID, leaf string) string {
	return "chat/" + serviceSID + "/channels/" + channelSID + "/" + leaf
}

// UserTopic returns chat/{IS}/users/{US}/{leaf}.
func UserTopic(serviceSID, userSID, leaf string) string {
	return "chat/" + serviceSID + "/users/" + userSID + "/" + leaf
}

// Directory answers the lookups that routing events to user topics needs.
// The broker calls it from its delivery goroutines, never from Publish.
type Directory interface {
	// UserSID returns the SID of identity's user in the service, or ""
	// when there is none.
	UserSID(ctx context.Context, serviceSID, identity string) string
	// ChannelUserSIDs returns the user SIDs of the channel's members (for
	// a removed channel, those still known).
	ChannelUserSIDs(ctx context.Context, serviceSID, channelSID string) []string
	// ConnectedUserSIDs returns the SIDs of the users of the service with
	// an MQTT connection to this node (they receive channelAdded). It
	// must answer from memory.
	ConnectedUserSIDs(serviceSID string) []string
}

// Events publishes core's events to MQTT; it implements model.EventSink.
// Publish only enqueues: conversion, lookups and the QoS 0 fan-out run on
// delivery goroutines, one per shard of channels, each holding back an
// event whose seq comes early for up to ReorderHold so that a channel's
// events reach subscribers in seq order.
type Events struct {
	b       *Broker
	sys     *mqtt.Client
	log     *slog.Logger
	dir     atomic.Pointer[Directory]
	observe atomic.Pointer[func(model.Event)]
	shards  []chan model.Event
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
	// Dropped counts events dropped because a queue stayed full.
	Dropped atomic.Int64
}

// NewEvents returns a started publisher for b; Close stops it.
func NewEvents(b *Broker) *Events {
	e := &Events{b: b, log: b.log, stop: make(chan struct{}),
		sys: b.Server.NewClient(nil, mqtt.LocalListener, "parley-events", true)}
	for range eventShards {
		ch := make(chan model.Event, eventQueue)
		e.shards = append(e.shards, ch)
		e.wg.Add(1)
		go e.run(ch)
	}
	return e
}

// SetDirectory sets the lookups for user-topic routing; until it is set,
// events that need a lookup reach channel topics only.
func (e *Events) SetDirectory(d Directory) { e.dir.Store(&d) }

// SetObserver sets a function called synchronously with every event before
// it is queued (the hooks drop cached memberships there, so a removal takes
// effect before any later delivery).
func (e *Events) SetObserver(f func(model.Event)) { e.observe.Store(&f) }

// Close stops the delivery goroutines after they drain their queues.
func (e *Events) Close() {
	e.once.Do(func() { close(e.stop) })
	e.wg.Wait()
}

// Publish queues ev for delivery. It never blocks for more than
// enqueueWait.
func (e *Events) Publish(_ context.Context, ev model.Event) {
	if f := e.observe.Load(); f != nil {
		(*f)(ev)
	}
	if ev.ServiceSID == "" || !routed(ev.Type) {
		return
	}
	key := ev.ChannelSID
	if key == "" && ev.User != nil {
		key = ev.User.SID
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	q := e.shards[h.Sum32()%uint32(len(e.shards))]
	select {
	case q <- ev:
		return
	default:
	}
	t := time.NewTimer(enqueueWait)
	defer t.Stop()
	select {
	case q <- ev:
	case <-t.C:
		e.Dropped.Add(1)
		e.log.Warn("mqtt event dropped: delivery queue full", "type", ev.Type, "channel", ev.ChannelSID, "seq", ev.Seq)
	case <-e.stop:
	}
}

// routed tells whether an event type reaches MQTT at all.
func routed(t model.EventType) bool {
	switch t {
	case model.EventMessageAdded, model.EventMessageUpdated, model.EventMessageRemoved,
		model.EventMemberJoined, model.EventMemberLeft, model.EventMemberUpdated,
		model.EventChannelAdded, model.EventChannelUpdated, model.EventChannelRemoved, model.EventChannelInvited,
		model.EventUserUpdated, model.EventTypingStarted, model.EventTypingEnded:
		return true
	}
	return false
}

// chanState is one channel's reorder state on its shard.
type chanState struct {
	epoch    string
	next     int64
	held     map[int64]model.Event
	deadline time.Time // when held events are given up on; zero when none
	lastSeen time.Time
}

func (e *Events) run(q chan model.Event) {
	defer e.wg.Done()
	states := map[string]*chanState{}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	prune := time.NewTicker(idleChannelState)
	defer prune.Stop()
	for {
		select {
		case ev := <-q:
			e.accept(states, ev)
		case <-timer.C:
		case now := <-prune.C:
			for k, st := range states {
				if len(st.held) == 0 && now.Sub(st.lastSeen) > idleChannelState {
					delete(states, k)
				}
			}
		case <-e.stop:
			for {
				select {
				case ev := <-q:
					e.accept(states, ev)
				default:
					for _, st := range states {
						e.flush(st)
					}
					return
				}
			}
		}
		e.expire(states, timer)
	}
}

// accept delivers ev now, or holds it when an earlier seq of its channel
// has not arrived yet.
func (e *Events) accept(states map[string]*chanState, ev model.Event) {
	if ev.Seq == 0 || ev.ChannelSID == "" {
		e.deliver(ev)
		return
	}
	now := time.Now()
	st := states[ev.ChannelSID]
	if st == nil || st.epoch != ev.Epoch {
		if st != nil {
			e.flush(st)
		}
		st = &chanState{epoch: ev.Epoch, next: ev.Seq, held: map[int64]model.Event{}}
		states[ev.ChannelSID] = st
	}
	st.lastSeen = now
	switch {
	case ev.Seq < st.next:
		e.deliver(ev) // late: its successors were given up on already
	case ev.Seq == st.next:
		e.deliver(ev)
		st.next++
		for {
			h, ok := st.held[st.next]
			if !ok {
				break
			}
			delete(st.held, st.next)
			e.deliver(h)
			st.next++
		}
		if len(st.held) == 0 {
			st.deadline = time.Time{}
		}
	default:
		st.held[ev.Seq] = ev
		if st.deadline.IsZero() {
			st.deadline = now.Add(ReorderHold)
		}
	}
}

// expire gives up on missing seqs whose hold has passed and rearms timer
// for the earliest remaining deadline.
func (e *Events) expire(states map[string]*chanState, timer *time.Timer) {
	now := time.Now()
	var earliest time.Time
	for _, st := range states {
		if st.deadline.IsZero() {
			continue
		}
		if !now.Before(st.deadline) {
			e.flush(st)
			continue
		}
		if earliest.IsZero() || st.deadline.Before(earliest) {
			earliest = st.deadline
		}
	}
	if !timer.Stop() {
		select {
		case <-timer.C:
		default:
		}
	}
	if earliest.IsZero() {
		timer.Reset(time.Hour)
	} else {
		timer.Reset(time.Until(earliest))
	}
}

// flush delivers a channel's held events in seq order and moves past them.
func (e *Events) flush(st *chanState) {
	for len(st.held) > 0 {
		min := int64(-1)
		for s := range st.held {
			if min < 0 || s < min {
				min = s
			}
		}
		e.deliver(st.held[min])
		delete(st.held, min)
		st.next = min + 1
	}
	st.deadline = time.Time{}
}

// deliver converts ev and publishes it to its channel topic and the user
// topics it concerns. Each topic gets the payload docs/protocol.md gives
// the event type there, and nothing else.
func (e *Events) deliver(ev model.Event) {
	w := toWire(ev)
	switch ev.Type {
	case model.EventMessageAdded:
		e.send(ChannelTopic(ev.ServiceSID, ev.ChannelSID, "messages"), w)
		return
	case model.EventChannelInvited, model.EventUserUpdated, model.EventChannelAdded:
	default:
		c := w
		if ev.Type == model.EventMemberJoined || ev.Type == model.EventMemberLeft {
			c.Channel, c.Invite = nil, nil
		}
		e.send(ChannelTopic(ev.ServiceSID, ev.ChannelSID, "events"), c)
	}
	// The user's inbox: no seq (it is the channel stream's position).
	u := w
	u.Seq, u.Epoch = 0, ""
	switch ev.Type {
	case model.EventMemberJoined, model.EventMemberLeft:
		if ev.Member != nil && ev.Member.UserSID != "" {
			u.Type, u.Invite = "channelJoined", nil
			if ev.Type == model.EventMemberLeft {
				u.Type = "channelLeft"
			}
			e.send(UserTopic(ev.ServiceSID, ev.Member.UserSID, "events"), u)
		}
	case model.EventChannelInvited:
		if ev.Invite != nil {
			if d := e.dir.Load(); d != nil {
				ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
				us := (*d).UserSID(ctx, ev.ServiceSID, ev.Invite.Identity)
				cancel()
				if us != "" {
					e.send(UserTopic(ev.ServiceSID, us, "events"), u)
				}
			}
		}
	case model.EventChannelAdded:
		// Public channels only, to the users connected to this node.
		if ev.Channel == nil || ev.Channel.Type != model.ChannelPublic {
			return
		}
		if d := e.dir.Load(); d != nil {
			for _, us := range (*d).ConnectedUserSIDs(ev.ServiceSID) {
				e.send(UserTopic(ev.ServiceSID, us, "events"), u)
			}
		}
	case model.EventChannelUpdated, model.EventChannelRemoved:
		if d := e.dir.Load(); d != nil {
			ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
			users := (*d).ChannelUserSIDs(ctx, ev.ServiceSID, ev.ChannelSID)
			cancel()
			for _, us := range users {
				e.send(UserTopic(ev.ServiceSID, us, "events"), u)
			}
		}
	case model.EventUserUpdated:
		// The user's inbox, and the topic any user of the service may
		// follow the user on.
		if ev.User != nil {
			e.send(UserTopic(ev.ServiceSID, ev.User.SID, "events"), u)
			e.send(UserTopic(ev.ServiceSID, ev.User.SID, "updates"), u)
		}
	}
}

// toWire converts an event to its JSON shape.
func toWire(ev model.Event) wire.Event {
	w := wire.Event{Type: string(ev.Type), ServiceSID: ev.ServiceSID, ChannelSID: ev.ChannelSID, Seq: ev.Seq,
		Epoch: ev.Epoch, Time: ev.Time.UTC().Format(wire.TimeFormat), Actor: ev.Actor,
		Identity: ev.Identity, Timeout: ev.Timeout}
	if ev.Message != nil {
		w.Message = wire.FromMessage(ev.Message)
		idx := ev.Message.Index
		w.Index = &idx
	}
	if ev.Member != nil {
		w.Member = wire.FromMember(ev.Member)
	}
	if ev.Channel != nil {
		w.Channel = wire.FromChannel(ev.Channel)
	}
	if ev.User != nil {
		w.User = wire.FromUser(ev.User)
		w.User.IsOnline, w.User.IsNotifiable = ev.IsOnline, ev.IsNotifiable
	}
	if ev.Invite != nil {
		w.Invite = wire.FromInvite(ev.Invite)
	}
	return w
}

// send publishes one JSON event at QoS 0.
func (e *Events) send(topic string, w wire.Event) {
	payload, err := json.Marshal(w)
	if err != nil {
		e.log.Error("mqtt event not encoded", "type", w.Type, "error", err)
		return
	}
	if err := e.b.Send(e.sys, topic, payload, packets.Properties{ContentType: "application/json"}); err != nil {
		e.log.Warn("mqtt event not published", "topic", topic, "error", err)
	}
}

// PublishUserEvent sends an event to a user's inbox topic (the hooks send
// tokenAboutToExpire this way).
func (e *Events) PublishUserEvent(serviceSID, userSID string, w wire.Event) {
	e.send(UserTopic(serviceSID, userSID, "events"), w)
}

// NewSystemClient returns an inline client for server-side publishes with
// Send; such publishes skip the ACL and are never acknowledged.
func (b *Broker) NewSystemClient(id string) *mqtt.Client {
	return b.Server.NewClient(nil, mqtt.LocalListener, id, true)
}

// Send publishes payload to topic at QoS 0 from the inline client sys,
// with the given properties (content type, correlation data...).
func (b *Broker) Send(sys *mqtt.Client, topic string, payload []byte, props packets.Properties) error {
	return b.Server.InjectPacket(sys, packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 0},
		TopicName:   topic,
		Payload:     payload,
		Properties:  props,
	})
}
