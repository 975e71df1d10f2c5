package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	chat "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/wire"
)

// A minimal MQTT 5 client over a raw socket: the stalled-subscriber test
// needs a client that stops reading, and the benchmarks need 1000
// subscribers that cost the least CPU and memory per connection (one
// goroutine and a small read buffer each, no client library state).

// rawLen appends the MQTT variable byte integer n to b.
func rawLen(b []byte, n int) []byte {
	for {
		c := byte(n % 128)
		n /= 128
		if n > 0 {
			c |= 0x80
		}
		b = append(b, c)
		if n == 0 {
			return b
		}
	}
}

// rawStr appends an MQTT UTF-8 string.
func rawStr(b []byte, s string) []byte {
	return append(append(b, byte(len(s)>>8), byte(len(s))), s...)
}

// rawPacket frames body with the fixed header byte h.
func rawPacket(h byte, body []byte) []byte {
	return append(rawLen([]byte{h}, len(body)), body...)
}

// rawHeader reads a fixed header: the packet type byte and the remaining
// length.
func rawHeader(r *bufio.Reader) (byte, int, error) {
	h, err := r.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	n, mul := 0, 1
	for i := 0; i < 4; i++ {
		c, err := r.ReadByte()
		if err != nil {
			return 0, 0, err
		}
		n += int(c&0x7f) * mul
		if c&0x80 == 0 {
			return h, n, nil
		}
		mul *= 128
	}
	return 0, 0, errors.New("malformed remaining length")
}

// rawRead reads one whole packet.
func rawRead(r *bufio.Reader) (byte, []byte, error) {
	h, n, err := rawHeader(r)
	if err != nil {
		return 0, nil, err
	}
	body := make([]byte, n)
	_, err = io.ReadFull(r, body)
	return h, body, err
}

// rawConn is one raw MQTT 5 connection.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

// rawDial connects with MQTT 5 (clean start, keepalive 60 s, username and
// password when given) and checks the CONNACK.
func rawDial(addr, clientID, username, password string, readBuf int) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	if readBuf > 0 {
		_ = c.(*net.TCPConn).SetReadBuffer(readBuf)
	}
	flags := byte(0x02)
	if username != "" {
		flags |= 0x80
	}
	if password != "" {
		flags |= 0x40
	}
	b := rawStr(nil, "MQTT")
	b = append(b, 5, flags, 0, 60, 0)
	b = rawStr(b, clientID)
	if username != "" {
		b = rawStr(b, username)
	}
	if password != "" {
		b = rawStr(b, password)
	}
	rc := &rawConn{Conn: c, r: bufio.NewReaderSize(c, 4096)}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(rawPacket(0x10, b)); err != nil {
		c.Close()
		return nil, err
	}
	h, body, err := rawRead(rc.r)
	if err != nil || h != 0x20 || len(body) < 2 || body[1] != 0 {
		c.Close()
		return nil, fmt.Errorf("CONNACK %#x %x: %v", h, body, err)
	}
	_ = c.SetDeadline(time.Time{})
	return rc, nil
}

// subscribe subscribes to filters at QoS 0 and checks the SUBACK.
func (rc *rawConn) subscribe(id uint16, filters ...string) error {
	b := []byte{byte(id >> 8), byte(id), 0}
	for _, f := range filters {
		b = append(rawStr(b, f), 0)
	}
	_ = rc.SetDeadline(time.Now().Add(10 * time.Second))
	defer rc.SetDeadline(time.Time{})
	if _, err := rc.Write(rawPacket(0x82, b)); err != nil {
		return err
	}
	h, body, err := rawRead(rc.r)
	if err != nil || h != 0x90 || len(body) < 3+len(filters) {
		return fmt.Errorf("SUBACK %#x %x: %v", h, body, err)
	}
	for _, code := range body[len(body)-len(filters):] {
		if code >= 0x80 {
			return fmt.Errorf("subscription refused: %#x", code)
		}
	}
	return nil
}

// rawPublish1 returns a QoS 1 MQTT 5 PUBLISH.
func rawPublish1(topic string, id uint16, payload []byte) []byte {
	b := rawStr(nil, topic)
	b = append(b, byte(id>>8), byte(id), 0)
	return rawPacket(0x32, append(b, payload...))
}

// percentile returns the p-th percentile (0..100) of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds)-1) * p / 100)
	return ds[i]
}

// stamp returns "p=<phase>;ts=<unix nanos>;" followed by padding up to n
// bytes: the send time the receivers measure against.
func stamp(phase int, n int) string {
	s := "p=" + strconv.Itoa(phase) + ";ts=" + strconv.FormatInt(time.Now().UnixNano(), 10) + ";"
	if len(s) < n {
		s += strings.Repeat("x", n-len(s))
	}
	return s
}

// parseStamp reads the phase and send time stamp wrote into a body.
func parseStamp(body string) (int, time.Time, bool) {
	p, rest, ok := strings.Cut(strings.TrimPrefix(body, "p="), ";ts=")
	if !ok {
		return 0, time.Time{}, false
	}
	ts, _, _ := strings.Cut(rest, ";")
	phase, err1 := strconv.Atoi(p)
	ns, err2 := strconv.ParseInt(ts, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, time.Time{}, false
	}
	return phase, time.Unix(0, ns), true
}

// stallPhase is what one run of TestMQTTStalledSubscriber measured.
type stallPhase struct {
	sent           int
	ack, deliver   []time.Duration // sorted
	heap           []uint64        // live heap (HeapInuse after a GC) every heapEvery
	dropped        int64           // deliveries mochi dropped on a full queue
	errs           []error
	publishedBytes int
}

// TestMQTTStalledSubscriber shows fan-out isolation (issue 3): a subscriber
// that stops reading its socket delays neither the publishers' PUBACKs nor
// a healthy subscriber's deliveries, and server memory plateaus while it
// stays stalled. Two runs on the same server are compared: a baseline, then
// the same load with a stalled subscriber on the channel.
func TestMQTTStalledSubscriber(t *testing.T) {
	const (
		publishers = 4
		interval   = 10 * time.Millisecond // per publisher: 400 msgs/s in all
		bodySize   = 8 << 10
		runFor     = 4 * time.Second
		heapEvery  = 500 * time.Millisecond
	)
	f := mqttSetup(t)
	api := f.ts.Twilio.ChatV2
	var pubIDs []string
	for i := range publishers {
		pubIDs = append(pubIDs, fmt.Sprint("pub", i))
	}
	for _, id := range append(slices.Clone(pubIDs), "healthy", "stalled") {
		if _, err := api.CreateMember(f.IS, f.CH, new(chat.CreateMemberParams).SetIdentity(id)); err != nil {
			t.Fatal(err)
		}
	}
	topic := f.topic("messages")

	// The healthy subscriber records each delivery's latency by phase.
	var mu sync.Mutex
	delivered := map[int][]time.Duration{}
	var received atomic.Int64 // every delivery, stamped or not
	conn, err := net.DialTimeout("tcp", f.ts.MQTTAddr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	healthy := paho.NewClient(paho.ClientConfig{Conn: conn, PacketTimeout: 5 * time.Second,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			now := time.Now()
			received.Add(1)
			var ev wire.Event
			if json.Unmarshal(pr.Packet.Payload, &ev) == nil && ev.Message != nil {
				if phase, ts, ok := parseStamp(ev.Message.Body); ok {
					mu.Lock()
					delivered[phase] = append(delivered[phase], now.Sub(ts))
					mu.Unlock()
				}
			}
			return true, nil
		}}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := healthy.Connect(ctx, &paho.Connect{ClientID: "healthy", KeepAlive: 30, CleanStart: true,
		Password: []byte(f.token(t, "healthy", time.Hour)), PasswordFlag: true,
		Properties: &paho.ConnectProperties{RequestProblemInfo: true}}); err != nil {
		t.Fatal(err)
	}
	defer healthy.Disconnect(&paho.Disconnect{})
	if _, err := healthy.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: topic, QoS: 1}}}); err != nil {
		t.Fatal(err)
	}
	var pubs []*mqttV5
	for _, id := range pubIDs {
		m, err := f.dial5(t, id, id, f.token(t, id, time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, m)
	}

	info := f.ts.srv.broker.Server.Info
	run := func(phase int) stallPhase {
		var res stallPhase
		var rmu sync.Mutex
		dropped0 := atomic.LoadInt64(&info.MessagesDropped)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, m := range pubs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(interval)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					body := stamp(phase, bodySize)
					t0 := time.Now()
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					pr, err := m.c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(body)})
					cancel()
					d := time.Since(t0)
					rmu.Lock()
					res.sent++
					res.publishedBytes += len(body)
					if err != nil || pr == nil || pr.ReasonCode != 0 {
						res.errs = append(res.errs, fmt.Errorf("publish: %v %+v", err, pr))
					} else {
						res.ack = append(res.ack, d)
					}
					rmu.Unlock()
				}
			}()
		}
		var ms runtime.MemStats
		for end := time.Now().Add(runFor); time.Now().Before(end); {
			time.Sleep(heapEvery)
			runtime.GC()
			runtime.ReadMemStats(&ms)
			res.heap = append(res.heap, ms.HeapInuse)
		}
		close(stop)
		wg.Wait()
		res.dropped = atomic.LoadInt64(&info.MessagesDropped) - dropped0
		// Let the last deliveries arrive.
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			n := len(delivered[phase])
			mu.Unlock()
			if n >= len(res.ack) {
				break
			}
		}
		mu.Lock()
		res.deliver = slices.Clone(delivered[phase])
		mu.Unlock()
		slices.Sort(res.ack)
		slices.Sort(res.deliver)
		return res
	}
	report := func(name string, r stallPhase) {
		t.Logf("%s: %d sent, %d acked (p50 %v p99 %v max %v), healthy got %d (p50 %v p99 %v max %v), dropped %d, heap MiB %v",
			name, r.sent, len(r.ack), percentile(r.ack, 50), percentile(r.ack, 99), percentile(r.ack, 100),
			len(r.deliver), percentile(r.deliver, 50), percentile(r.deliver, 99), percentile(r.deliver, 100), r.dropped,
			mib(r.heap))
	}

	base := run(1)
	report("baseline", base)

	// The stalled subscriber: it connects, subscribes, reads CONNACK and
	// SUBACK, then never reads again; its tiny receive buffer fills first,
	// then the server's send buffer, then mochi's queue for it.
	stalled, err := rawDial(f.ts.MQTTAddr, "stalled", "stalled", f.token(t, "stalled", time.Hour), 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	if err := stalled.subscribe(1, topic); err != nil {
		t.Fatal(err)
	}
	// Fill everything between the server and the stalled client (its
	// socket buffers, which the kernel may grow to megabytes, and mochi's
	// queue of WritesPending packets) with large messages sent through
	// core, until deliveries to it are being dropped: the measured run then
	// happens entirely in the stalled state.
	big := strings.Repeat("s", core.MaxMessageBody)
	primed := 0
	for start, d0 := time.Now(), atomic.LoadInt64(&info.MessagesDropped); atomic.LoadInt64(&info.MessagesDropped) == d0; {
		if time.Since(start) > 20*time.Second {
			t.Fatal("the stalled client's queue never filled")
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := f.ts.srv.core.CreateMessage(context.Background(), core.API(false), f.IS, f.CH,
					core.MessageCreate{Body: &big}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		primed += 8
	}
	// The healthy subscriber gets the priming messages too: let it drain
	// them before the measured run.
	for want, deadline := int64(len(base.ack)+primed), time.Now().Add(20*time.Second); received.Load() < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("healthy subscriber got %d of %d messages", received.Load(), want)
		}
	}
	stall := run(2)
	report("stalled", stall)
	if cl, ok := f.ts.srv.broker.Server.Clients.Get("stalled"); !ok || cl.Closed() {
		t.Fatal("the stalled subscriber was disconnected during the run: nothing was shown")
	}

	for name, r := range map[string]stallPhase{"baseline": base, "stalled": stall} {
		for _, err := range r.errs[:min(len(r.errs), 3)] {
			t.Errorf("%s: %v", name, err)
		}
		if len(r.ack) < r.sent*9/10 || r.sent < 10*publishers {
			t.Errorf("%s: only %d of %d publishes acknowledged (the load did not run)", name, len(r.ack), r.sent)
		}
		// The healthy subscriber misses nothing, stalled neighbour or not.
		if len(r.deliver) != len(r.ack) {
			t.Errorf("%s: healthy subscriber got %d deliveries for %d acknowledged sends", name, len(r.deliver), len(r.ack))
		}
	}
	// The stall really happened: mochi's queue for the stalled client
	// filled and deliveries to it were dropped; none were in the baseline.
	if base.dropped != 0 {
		t.Errorf("baseline dropped %d deliveries", base.dropped)
	}
	if stall.dropped < int64(stall.sent)/2 {
		t.Fatalf("only %d of %d deliveries to the stalled client dropped: it did not stay stalled", stall.dropped, stall.sent)
	}

	// Bounds: the baseline's figure plus 50 ms (p99) or 10 ms (p50), or
	// twice the baseline when that is larger (a loaded machine or the race
	// detector); and no single wait of seconds. mochi's QoS 1 delivery to a
	// stalled client would hold the channel's fan-out for 1.5 × keepalive
	// (90 s here).
	slack := func(base, floor time.Duration) time.Duration { return max(base, floor) }
	for _, c := range []struct {
		what       string
		base, with []time.Duration
	}{{"PUBACK latency", base.ack, stall.ack}, {"healthy delivery latency", base.deliver, stall.deliver}} {
		if b, s := percentile(c.base, 99), percentile(c.with, 99); s > b+slack(b, 50*time.Millisecond) {
			t.Errorf("%s p99 %v with a stalled subscriber, %v without", c.what, s, b)
		}
		if b, s := percentile(c.base, 50), percentile(c.with, 50); s > b+slack(b, 10*time.Millisecond) {
			t.Errorf("%s p50 %v with a stalled subscriber, %v without", c.what, s, b)
		}
		if m := percentile(c.with, 100); m > 2*time.Second {
			t.Errorf("%s: one waited %v with a stalled subscriber", c.what, m)
		}
	}

	// Memory plateaus: what the server keeps for the stalled client is
	// bounded by its queue (WritesPending deliveries), however much is sent.
	// From the middle of the run to its end, HeapInuse may not grow by a
	// fraction of the bytes published meanwhile.
	h := stall.heap
	mid := len(h) / 2
	growth := int64(slices.Max(h[mid:])) - int64(h[mid-1])
	window := int64(stall.publishedBytes) * int64(len(h)-mid) / int64(len(h))
	if growth > window/4 {
		t.Errorf("heap grew %.1f MiB in the second half of the stall while %.1f MiB were published: not bounded",
			float64(growth)/(1<<20), float64(window)/(1<<20))
	}
	// Its queue still holds the priming messages (MaxMessageBody each).
	queue := int64(f.ts.srv.broker.Server.Options.Capabilities.MaximumClientWritesPending) * (core.MaxMessageBody + 1024)
	if over := int64(slices.Max(h)) - int64(slices.Max(base.heap)); over > 2*queue+(8<<20) {
		t.Errorf("heap %.1f MiB above the baseline with one stalled client (its queue holds at most %.1f MiB)",
			float64(over)/(1<<20), float64(queue)/(1<<20))
	}
}

func mib(hs []uint64) string {
	var s []string
	for _, h := range hs {
		s = append(s, fmt.Sprintf("%.1f", float64(h)/(1<<20)))
	}
	return strings.Join(s, " ")
}
