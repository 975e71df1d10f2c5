package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/parleychat/parley/wire"
)

// catchUpPage is the page size of catch-up fetches (the server's maximum).
const catchUpPage = 100

// sequence is the one goroutine that owns the channels' order state and
// writes to Events. It handles received events, connection changes and
// catch-ups in the order they were queued.
func (c *Client) sequence() {
	defer close(c.seqDone)
	defer close(c.events)
	for {
		it, ok := c.inbox.pop(c.done)
		if !ok {
			return
		}
		switch it.kind {
		case itemPublish:
			c.handlePublish(it.topic, it.payload)
		case itemUp:
			c.resync()
		case itemDown:
			for _, o := range c.chans {
				o.interrupt()
			}
		case itemEmit:
			c.deliver(it.ev)
		case itemSync:
			if o := c.chans[it.channel]; o != nil && o.syncing {
				c.catchUp(it.channel)
			}
		}
	}
}

// deliver hands one event to the application.
func (c *Client) deliver(ev Event) {
	select {
	case c.events <- ev:
	case <-c.done:
	}
}

// handlePublish routes one received event by its topic.
func (c *Client) handlePublish(topic string, payload []byte) {
	var w wire.Event
	if err := json.Unmarshal(payload, &w); err != nil {
		c.log.Warn("parley: undecodable event", "topic", topic, "err", err)
		return
	}
	lv := strings.Split(topic, "/")
	switch {
	case len(lv) == 5 && lv[2] == "users" && lv[4] == "events":
		c.handleUserEvent(fromWire(&w, true))
	case len(lv) == 5 && lv[2] == "channels":
		ev := fromWire(&w, false)
		if ev.ChannelSID == "" {
			ev.ChannelSID = lv[3]
		}
		c.handleChannelEvent(ev)
	}
}

func (c *Client) handleUserEvent(ev Event) {
	c.deliver(ev)
	switch ev.Type {
	case ChannelJoined:
		if _, ok := c.chans[ev.ChannelSID]; !ok && ev.ChannelSID != "" {
			since := ""
			if ev.Member != nil {
				since = ev.Member.DateCreated
			}
			c.track(ev.ChannelSID, nil, since)
		}
	case ChannelLeft, ChannelRemoved:
		c.untrack(ev.ChannelSID)
	case TokenAboutToExpire:
		go c.refreshToken()
	}
}

func (c *Client) handleChannelEvent(ev Event) {
	if ev.Type == TypingStarted && ev.Timeout > 0 {
		c.mu.Lock()
		c.typingEvery = time.Duration(ev.Timeout) * time.Second
		c.mu.Unlock()
	}
	o := c.chans[ev.ChannelSID]
	if o == nil {
		return // a subscription being dropped
	}
	out, gap := o.offer(ev)
	for _, e := range out {
		c.deliver(e)
	}
	if gap {
		c.log.Debug("parley: gap detected; catching up", "channel", ev.ChannelSID)
		c.catchUp(ev.ChannelSID)
	}
	if ev.Type == ChannelRemoved && !o.syncing {
		c.untrack(ev.ChannelSID)
	}
}

// resync runs after every (re)connection: it subscribes to every joined
// channel and catches each up from the last index delivered.
func (c *Client) resync() {
	ctx, cancel := context.WithTimeout(context.Background(), 4*c.cfg.RequestTimeout)
	defer cancel()
	joined := map[string]*ChannelDescriptor{}
	token := ""
	for {
		var p wire.Page[*ChannelDescriptor]
		args := map[string]any{"page_size": 100}
		if token != "" {
			args["page_token"] = token
		}
		if err := c.call(ctx, "getUserChannelDescriptors", args, &p); err != nil {
			c.log.Warn("parley: listing the user's channels after connecting", "err", err)
			return // the connection dropped again; the next one retries
		}
		for _, d := range p.Items {
			if d.Status == "joined" {
				joined[d.SID] = d
			}
		}
		if p.NextPageToken == nil || *p.NextPageToken == "" {
			break
		}
		token = *p.NextPageToken
	}
	for sid := range c.chans {
		if joined[sid] == nil {
			delete(c.chans, sid) // left while disconnected
		}
	}
	for sid, d := range joined {
		if c.chans[sid] == nil {
			c.track(sid, d, "")
			continue
		}
		if !c.subscribe(ctx, sid) {
			continue
		}
		c.catchUp(sid)
	}
	c.setState(StateConnected)
	c.firstOnce.Do(func() { close(c.firstReady) })
}

// track starts following a channel: baseline first (the newest message the
// application is assumed to know), then the subscription, then a catch-up
// from the baseline so that nothing sent in between is lost. A channel
// joined just now (since, the membership's creation date) takes as
// baseline the last message before the join.
func (c *Client) track(sid string, d *ChannelDescriptor, since string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.cfg.RequestTimeout)
	defer cancel()
	base := int64(-1)
	if d != nil {
		if d.LastMessage != nil {
			base = d.LastMessage.Index
		}
	} else {
		var page struct {
			Items []Message `json:"items"`
		}
		if err := c.call(ctx, "getMessages", map[string]any{"channel": sid, "page_size": catchUpPage}, &page); err != nil {
			c.log.Warn("parley: reading a joined channel's history", "channel", sid, "err", err)
			return
		}
		if n := len(page.Items); n > 0 {
			base = page.Items[n-1].Index
		}
		if since != "" {
			for _, m := range page.Items {
				if m.DateCreated >= since {
					base = m.Index - 1
					break
				}
			}
		}
	}
	c.chans[sid] = newChannelOrder(base)
	if !c.subscribe(ctx, sid) {
		return
	}
	c.catchUp(sid)
}

// subscribe subscribes to a channel's messages and events; a refusal (no
// longer a member) stops following it.
func (c *Client) subscribe(ctx context.Context, sid string) bool {
	is := c.ServiceSID()
	sa, err := c.conn().Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{
		{Topic: "chat/" + is + "/channels/" + sid + "/messages"},
		{Topic: "chat/" + is + "/channels/" + sid + "/events"},
	}})
	if err != nil && sa == nil {
		c.log.Warn("parley: subscribing to a channel", "channel", sid, "err", err)
		return false
	}
	for _, r := range sa.Reasons {
		if r >= 0x80 {
			c.log.Info("parley: channel subscription refused", "channel", sid, "reason", r)
			delete(c.chans, sid)
			return false
		}
	}
	return true
}

// untrack stops following a channel.
func (c *Client) untrack(sid string) {
	if _, ok := c.chans[sid]; !ok {
		return
	}
	delete(c.chans, sid)
	is := c.ServiceSID()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.RequestTimeout)
		defer cancel()
		_, _ = c.conn().Unsubscribe(ctx, &paho.Unsubscribe{Topics: []string{
			"chat/" + is + "/channels/" + sid + "/messages", "chat/" + is + "/channels/" + sid + "/events"}})
	}()
}

// catchUp fetches a channel's messages after the last delivered index and
// delivers them, then what was buffered meanwhile. Events that arrive
// during the fetch wait in the queue and are checked against the new
// position afterwards, so nothing is delivered twice.
func (c *Client) catchUp(sid string) {
	o := c.chans[sid]
	if o == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*c.cfg.RequestTimeout)
	defer cancel()
	var all []Message
	next := o.lastIndex + 1
	for {
		var page struct {
			Items []Message `json:"items"`
		}
		err := c.call(ctx, "getMessages", map[string]any{"channel": sid, "anchor": next, "direction": "forward",
			"page_size": catchUpPage}, &page)
		if err != nil {
			var pe *Error
			switch {
			case errors.As(err, &pe) && (pe.Status == 404 || pe.Status == 400 || pe.Status == 403):
				// No longer a member, or the channel is gone.
				delete(c.chans, sid)
			case errors.Is(err, ErrConnectionLost), errors.Is(err, ErrClosed):
				// The next connection catches up.
			default:
				c.log.Warn("parley: catch-up failed; retrying", "channel", sid, "err", err)
				time.AfterFunc(time.Second, func() { c.inbox.push(item{kind: itemSync, channel: sid}) })
			}
			return
		}
		all = append(all, page.Items...)
		if len(page.Items) < catchUpPage {
			break
		}
		next = page.Items[len(page.Items)-1].Index + 1
	}
	for _, ev := range o.caughtUp(sid, all) {
		c.deliver(ev)
	}
}

// refreshToken answers tokenAboutToExpire: a new token from the provider,
// sent in band.
func (c *Client) refreshToken() {
	if c.cfg.TokenProvider == nil {
		return // the application sees tokenAboutToExpire and may call UpdateToken
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.cfg.RequestTimeout)
	defer cancel()
	tok, err := c.cfg.TokenProvider(ctx)
	if err != nil {
		c.emit(Event{Type: TokenRefreshFailed, Err: err})
		return
	}
	exp, err := c.UpdateToken(ctx, tok)
	if err != nil {
		c.emit(Event{Type: TokenRefreshFailed, Err: err})
		return
	}
	c.emit(Event{Type: TokenUpdated, Expires: exp.UTC().Format(time.RFC3339)})
}
