package sdk

import "sort"

// channelOrder puts one channel's events in order and finds what is missing.
//
// Live events carry seq (dense per channel) and, for messages, index (dense
// at send time). An event whose seq is not the next one, or a messageAdded
// whose index is not the next one, means something was lost: the channel
// enters catch-up, buffers what arrives meanwhile, and the SDK fetches the
// missed messages by index (getMessages forward from the last delivered
// index). caughtUp delivers them, then the buffered events in seq order,
// dropping every message already delivered (dedupe by index) and every seq
// already seen.
//
// channelOrder is not safe for concurrent use; the client's sequencer
// goroutine owns it.
type channelOrder struct {
	epoch     string
	lastSeq   int64 // 0: unknown (next event sets it)
	lastIndex int64 // -1: no message delivered or known
	syncing   bool
	pending   []Event
}

// newChannelOrder starts a channel whose messages up to lastIndex are known
// to the application (-1: none); it starts in catch-up so that what came
// between that point and the subscription is fetched.
func newChannelOrder(lastIndex int64) *channelOrder {
	return &channelOrder{lastIndex: lastIndex, syncing: true}
}

// offer takes one live event and returns those to deliver now, and whether
// a catch-up must start.
func (o *channelOrder) offer(ev Event) (out []Event, catchUp bool) {
	if ev.Seq == 0 {
		return []Event{ev}, false // typing: ephemeral, outside the sequence
	}
	if ev.Epoch != "" && o.epoch != "" && ev.Epoch != o.epoch {
		// The channel's history was reset: indices and seqs start again.
		o.epoch, o.lastSeq, o.lastIndex = ev.Epoch, 0, -1
	}
	if o.syncing {
		o.pending = append(o.pending, ev)
		return nil, false
	}
	if o.lastSeq != 0 && ev.Seq <= o.lastSeq {
		return nil, false // duplicate or stale
	}
	gap := o.lastSeq != 0 && ev.Seq > o.lastSeq+1
	if ev.Type == MessageAdded && ev.Index != nil && *ev.Index > o.lastIndex+1 {
		gap = true
	}
	if gap {
		o.syncing = true
		o.pending = append(o.pending, ev)
		return nil, true
	}
	return o.accept(ev), false
}

// accept records ev as the newest of the stream; it returns nothing when
// ev is a message already delivered.
func (o *channelOrder) accept(ev Event) []Event {
	o.lastSeq = ev.Seq
	if ev.Epoch != "" {
		o.epoch = ev.Epoch
	}
	if ev.Type == MessageAdded && ev.Index != nil {
		if *ev.Index <= o.lastIndex {
			return nil
		}
		o.lastIndex = *ev.Index
	}
	return []Event{ev}
}

// interrupt marks the channel as needing catch-up (the connection dropped).
func (o *channelOrder) interrupt() { o.syncing = true }

// caughtUp ends a catch-up with the messages fetched after lastIndex, in
// ascending index order, and returns what to deliver: the missed messages,
// then the events buffered meanwhile.
func (o *channelOrder) caughtUp(channelSID string, msgs []Message) []Event {
	var out []Event
	for i := range msgs {
		m := msgs[i]
		if m.Index <= o.lastIndex {
			continue
		}
		o.lastIndex = m.Index
		idx := m.Index
		out = append(out, Event{Type: MessageAdded, ChannelSID: channelSID, Index: &idx, Time: m.DateCreated,
			CatchUp: true, Message: &m})
	}
	sort.SliceStable(o.pending, func(i, j int) bool { return o.pending[i].Seq < o.pending[j].Seq })
	for _, ev := range o.pending {
		if o.lastSeq != 0 && ev.Seq <= o.lastSeq {
			continue
		}
		out = append(out, o.accept(ev)...)
	}
	if len(o.pending) == 0 {
		// Events other than messages may have been missed too; the next
		// live event sets the sequence again (messages stay checked by
		// index).
		o.lastSeq = 0
	}
	o.pending, o.syncing = nil, false
	return out
}
