package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/parleychat/parley/broker"
	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/token"
)

// MQTT benchmarks of issue 3 (docs/benchmarks.md, section MQTT): a
// 1000-member channel (999 subscribers and the sender), Parley against a bare mochi broker
// (an allow-all hook, no chat layer, the same capabilities as Parley's)
// measured in the same run with the same lean raw-socket clients.
//
//	go test -run '^$' -bench MQTT -benchtime 3s ./cmd/parley

const (
	// benchMembers is the number of subscribers: with the sender, the
	// channel has 1000 members, Twilio's (and Parley's) maximum
	// Limits.ChannelMembers.
	benchMembers = 999
	// benchWindow is how many messages the sender may have sent but not
	// yet seen delivered to every subscriber: well under the per-client
	// queue (broker.DefaultWritesPending), so nothing is dropped and the
	// figure is sustained fan-out, not a burst into queues.
	benchWindow = 32
	// benchInflight bounds unacknowledged QoS 1 sends (under Parley's
	// receive maximum).
	benchInflight = 32
	// benchBody is the size of a message body sent.
	benchBody = 64
	// benchRounds is how many times the fan-out benchmark alternates the
	// two brokers.
	benchRounds = 3
)

// fanoutRig is a broker with benchMembers raw subscribers on one topic and
// a raw QoS 1 sender.
type fanoutRig struct {
	name      string
	topic     string
	subs      []*rawConn
	sender    *rawConn
	senderW   *bufio.Writer
	nextID    uint16
	delivered atomic.Int64
	acked     atomic.Int64
	ackErrs   atomic.Int64
	lastSize  atomic.Int64 // size of the last payload subscriber 0 got
	latMode   atomic.Bool
	lat       [][]time.Duration // per subscriber, written by its reader only
	dropped   func() int64
	payload   []byte
	closers   []func()
}

func (r *fanoutRig) close() {
	for _, s := range r.subs {
		s.Close()
	}
	if r.sender != nil {
		r.sender.Close()
	}
	for _, c := range slices.Backward(r.closers) {
		c()
	}
}

// start connects the subscribers (dial returns subscriber i's connection)
// and the sender, and starts their readers.
func (r *fanoutRig) start(b *testing.B, dial func(i int) (*rawConn, error), sender func() (*rawConn, error)) {
	r.subs = make([]*rawConn, benchMembers)
	r.lat = make([][]time.Duration, benchMembers)
	var wg sync.WaitGroup
	errs := make(chan error, benchMembers)
	work := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				c, err := dial(i)
				if err == nil {
					err = c.subscribe(1, r.topic)
				}
				if err != nil {
					errs <- fmt.Errorf("subscriber %d: %w", i, err)
					continue
				}
				r.subs[i] = c
			}
		}()
	}
	for i := range benchMembers {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		r.close()
		b.Fatal(err)
	}
	for i, c := range r.subs {
		go r.read(i, c)
	}
	s, err := sender()
	if err != nil {
		r.close()
		b.Fatal(err)
	}
	r.sender, r.senderW = s, bufio.NewWriter(s)
	go func() {
		for {
			h, body, err := rawRead(s.r)
			if err != nil {
				return
			}
			if h == 0x40 {
				if len(body) > 2 && body[2] >= 0x80 {
					r.ackErrs.Add(1)
				}
				r.acked.Add(1)
			}
		}
	}()
}

// read counts the PUBLISHes one subscriber receives; in latency mode it
// also records how long after the stamped send time each arrived.
func (r *fanoutRig) read(i int, c *rawConn) {
	buf := make([]byte, 0, 1024)
	for {
		h, n, err := rawHeader(c.r)
		if err != nil {
			return
		}
		if h&0xf0 != 0x30 || (!r.latMode.Load() && i != 0) {
			if _, err := c.r.Discard(n); err != nil {
				return
			}
		} else {
			buf = slices.Grow(buf[:0], n)[:n]
			if _, err := io.ReadFull(c.r, buf); err != nil {
				return
			}
			now := time.Now()
			if i == 0 {
				r.lastSize.Store(int64(n))
			}
			if r.latMode.Load() {
				if j := bytes.Index(buf, []byte(";ts=")); j >= 0 {
					rest := buf[j+4:]
					if k := bytes.IndexByte(rest, ';'); k > 0 {
						if ns, err := strconv.ParseInt(string(rest[:k]), 10, 64); err == nil {
							r.lat[i] = append(r.lat[i], now.Sub(time.Unix(0, ns)))
						}
					}
				}
			}
		}
		if h&0xf0 == 0x30 {
			r.delivered.Add(1)
		}
	}
}

// send publishes n messages (body(i) or the rig's payload) as fast as the
// window allows and waits until every subscriber has them all; it returns
// the deliveries counted.
func (r *fanoutRig) send(b *testing.B, n int, body func(i int) []byte, every time.Duration) int64 {
	N := int64(len(r.subs))
	d0, a0 := r.delivered.Load(), r.acked.Load()
	next := time.Now()
	for i := range n {
		for int64(i)-(r.acked.Load()-a0) >= benchInflight || int64(i)*N-(r.delivered.Load()-d0) > benchWindow*N {
			time.Sleep(20 * time.Microsecond)
		}
		if every > 0 {
			time.Sleep(time.Until(next))
			next = next.Add(every)
		}
		r.nextID++
		if r.nextID == 0 {
			r.nextID = 1
		}
		p := r.payload
		if body != nil {
			p = body(i)
		}
		if _, err := r.senderW.Write(rawPublish1(r.topic, r.nextID, p)); err != nil {
			b.Fatal(err)
		}
		if err := r.senderW.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	want := d0 + int64(n)*N
	for deadline := time.Now().Add(30 * time.Second); r.delivered.Load() < want; time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d of %d deliveries after 30 s (acked %d, dropped %d)", r.name,
				r.delivered.Load()-d0, int64(n)*N, r.acked.Load()-a0, r.dropped())
		}
	}
	if e := r.ackErrs.Load(); e > 0 {
		b.Fatalf("%s: %d sends refused", r.name, e)
	}
	return r.delivered.Load() - d0
}

// benchServer starts Parley on a temporary directory with MQTT over TCP.
func benchServer(b *testing.B) *server {
	cfg := serveConfig{Listen: "127.0.0.1:0", DataDir: b.TempDir(), AccountSID: testAccountSID,
		AuthToken: testAuthToken, LogLevel: "error", LogFormat: "text", MaxBody: 1 << 20, MQTTListen: "127.0.0.1:0"}
	srv, err := startServer(context.Background(), cfg, io.Discard, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

// benchChannel creates a service, a public channel with members
// m0000..m0998 and "sender", and returns the service and channel SIDs and a
// token minter.
func benchChannel(b *testing.B, srv *server) (string, string, func(identity string) string) {
	ctx := context.Background()
	api := core.API(false)
	svc, err := srv.core.CreateService(ctx, api, core.ServiceCreate{FriendlyName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	limit := core.MaxServiceLimit
	if _, err := srv.core.UpdateService(ctx, api, svc.SID, core.ServiceUpdate{ChannelMembersLimit: &limit}); err != nil {
		b.Fatal(err)
	}
	ch, err := srv.core.CreateChannel(ctx, api, svc.SID, core.ChannelCreate{FriendlyName: "busy"})
	if err != nil {
		b.Fatal(err)
	}
	ids := make(chan string)
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				if _, err := srv.core.CreateMember(ctx, api, svc.SID, ch.SID, core.MemberCreate{Identity: id}); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	for i := range benchMembers {
		ids <- benchIdentity(i)
	}
	ids <- "sender"
	close(ids)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	key, secret, err := srv.core.CreateKey(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	mint := func(identity string) string {
		tok, err := token.Mint(token.Params{AccountSID: testAccountSID, KeySID: key.SID, Secret: secret,
			Identity: identity, Chat: token.ChatGrant{ServiceSID: svc.SID}, TTL: time.Hour})
		if err != nil {
			panic(err)
		}
		return tok
	}
	return svc.SID, ch.SID, mint
}

func benchIdentity(i int) string { return fmt.Sprintf("m%04d", i) }

// allowAll is mochi's allow-all hook (as its hooks/auth.AllowHook, which
// would pull a YAML dependency into go.mod): every connection and topic is
// allowed.
type allowAll struct{ mqtt.HookBase }

func (*allowAll) ID() string { return "allow-all" }
func (*allowAll) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}
func (*allowAll) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }
func (*allowAll) OnACLCheck(*mqtt.Client, string, bool) bool              { return true }

// bareMochi starts mochi with Parley's capabilities, an allow-all hook and
// a TCP listener: the broker without the chat layer.
func bareMochi(b *testing.B) (*mqtt.Server, string) {
	pb, err := broker.New(broker.Config{})
	if err != nil {
		b.Fatal(err)
	}
	caps := *pb.Server.Options.Capabilities
	srv := mqtt.New(&mqtt.Options{Capabilities: &caps, Logger: slog.New(slog.DiscardHandler)})
	if err := srv.AddHook(new(allowAll), nil); err != nil {
		b.Fatal(err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "bench", Address: "127.0.0.1:0"})
	if err := srv.AddListener(l); err != nil {
		b.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		b.Fatal(err)
	}
	return srv, l.Address()
}

// BenchmarkMQTTChannel1000 measures a 1000-member channel with one sender,
// on Parley and on bare mochi in the same run:
//   - fanout: deliveries/s at saturation (the sender keeps benchWindow
//     messages in the pipeline; one op is one message, i.e. 999
//     deliveries);
//   - latency: send-to-delivery p50/p99 over every delivery, at 10
//     messages/s for 5 s (50 messages, 49,950 deliveries).
func BenchmarkMQTTChannel1000(b *testing.B) {
	srv := benchServer(b)
	IS, CH, mint := benchChannel(b, srv)
	topic := broker.ChannelTopic(IS, CH, "messages")
	parley := &fanoutRig{name: "parley", topic: topic, payload: bytes.Repeat([]byte("m"), benchBody),
		dropped: func() int64 { return atomic.LoadInt64(&srv.broker.Server.Info.MessagesDropped) },
		closers: []func(){func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		}}}
	tokens := make([]string, benchMembers)
	for i := range tokens {
		tokens[i] = mint(benchIdentity(i))
	}
	addr := srv.MQTTAddr()
	parley.start(b, func(i int) (*rawConn, error) {
		return rawDial(addr, benchIdentity(i), "", tokens[i], 0)
	}, func() (*rawConn, error) { return rawDial(addr, "sender", "", mint("sender"), 0) })
	defer parley.close()

	// Parley delivers a JSON event; bare mochi gets a payload of the same
	// size, so both put the same bytes on the wire.
	parley.send(b, 1, nil, 0)
	// A delivery's PUBLISH body is the topic (2+len), no packet ID (QoS
	// 0), the properties' length (1) and Parley's content type property
	// (1+2+16), then the payload.
	size := int(parley.lastSize.Load()) - (2 + len(topic) + 1 + 19)
	mochiSrv, mochiAddr := bareMochi(b)
	bare := &fanoutRig{name: "bare mochi", topic: topic, payload: bytes.Repeat([]byte("m"), size),
		dropped: func() int64 { return atomic.LoadInt64(&mochiSrv.Info.MessagesDropped) },
		closers: []func(){func() { _ = mochiSrv.Close() }}}
	bare.start(b, func(i int) (*rawConn, error) {
		return rawDial(mochiAddr, benchIdentity(i), "", "", 0)
	}, func() (*rawConn, error) { return rawDial(mochiAddr, "sender", "", "", 0) })
	defer bare.close()
	bare.send(b, 1, nil, 0)
	if got := int(bare.lastSize.Load()); got != int(parley.lastSize.Load()) {
		b.Logf("delivery sizes differ: parley %d, bare mochi %d bytes", parley.lastSize.Load(), got)
	}
	b.Logf("delivery size %d bytes (PUBLISH body), %d subscribers each", parley.lastSize.Load(), benchMembers)

	// Alternate the two brokers for benchRounds rounds, so that the noise
	// of a shared machine falls on both; the ratio of each round is logged.
	var ratios, cpuRatios []float64
	for round := range benchRounds {
		rates, cpus := map[string]float64{}, map[string]float64{}
		for _, r := range []*fanoutRig{bare, parley} {
			b.Run("fanout/"+strings.ReplaceAll(r.name, " ", "-"), func(b *testing.B) {
				d0 := r.dropped()
				t0, c0 := time.Now(), cpuTime()
				n := r.send(b, b.N, nil, 0)
				el, cpu := time.Since(t0), cpuTime()-c0
				rate := float64(n) / el.Seconds()
				rates[r.name] = rate
				cpus[r.name] = float64(cpu) / float64(n) / 1e3
				b.ReportMetric(rate, "deliveries/s")
				b.ReportMetric(cpus[r.name], "cpu-µs/delivery")
				b.ReportMetric(float64(r.dropped()-d0), "dropped")
			})
		}
		if rates["bare mochi"] > 0 {
			ratios = append(ratios, rates["parley"]/rates["bare mochi"])
			cpuRatios = append(cpuRatios, cpus["bare mochi"]/cpus["parley"])
			b.Logf("fanout round %d: parley %.0f deliveries/s (%.1f µs CPU each), bare mochi %.0f (%.1f µs): ratio %.2f, CPU ratio %.2f",
				round+1, rates["parley"], cpus["parley"], rates["bare mochi"], cpus["bare mochi"], ratios[len(ratios)-1],
				cpuRatios[len(cpuRatios)-1])
		}
	}
	if len(ratios) > 0 {
		slices.Sort(ratios)
		slices.Sort(cpuRatios)
		b.Logf("fanout over %d rounds: median ratio parley/bare mochi %.2f (wall deliveries/s), %.2f (deliveries per CPU second)",
			len(ratios), ratios[len(ratios)/2], cpuRatios[len(cpuRatios)/2])
	}

	for _, r := range []*fanoutRig{bare, parley} {
		b.Run("latency10/"+strings.ReplaceAll(r.name, " ", "-"), func(b *testing.B) {
			const msgs, every = 50, 100 * time.Millisecond
			var all []time.Duration
			for range b.N {
				for i := range r.lat {
					r.lat[i] = r.lat[i][:0]
				}
				r.latMode.Store(true)
				pad := size
				if r == parley {
					pad = benchBody
				}
				r.send(b, msgs, func(int) []byte { return []byte(stamp(0, pad)) }, every)
				r.latMode.Store(false)
				for _, l := range r.lat {
					all = append(all, l...)
				}
			}
			if len(all) != b.N*msgs*benchMembers {
				b.Fatalf("%d latencies for %d deliveries", len(all), b.N*msgs*benchMembers)
			}
			slices.Sort(all)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(percentile(all, 50)), "p50-ms")
			b.ReportMetric(ms(percentile(all, 99)), "p99-ms")
			b.ReportMetric(ms(percentile(all, 100)), "max-ms")
		})
	}
}

// BenchmarkMQTTIdleConnMemory measures the server's memory per idle
// authenticated connection: the growth of HeapInuse+StackInuse of this
// process (the server only) when a child process (this test binary running
// TestMQTTIdleClientsChild) opens benchMembers connections, each with
// CONNECT and two subscriptions (its user topic and a channel), divided by
// their number.
// Client-side memory is in the child and not counted.
func BenchmarkMQTTIdleConnMemory(b *testing.B) {
	measure := func(b *testing.B, addr, topic string, cred func(i int) string) {
		dir := b.TempDir()
		var lines []string
		for i := range benchMembers {
			lines = append(lines, benchIdentity(i)+"\t"+cred(i))
		}
		file := filepath.Join(dir, "clients")
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
			b.Fatal(err)
		}
		var per, heap, stack float64
		for range b.N {
			before := serverMem()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMQTTIdleClientsChild$", "-test.bench=^$")
			cmd.Env = append(os.Environ(), "PARLEY_BENCH_IDLE_ADDR="+addr, "PARLEY_BENCH_IDLE_FILE="+file,
				"PARLEY_BENCH_IDLE_TOPIC="+topic)
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "ready" {
				stdin.Close()
				_ = cmd.Wait()
				b.Fatalf("child: %q %v", line, err)
			}
			time.Sleep(500 * time.Millisecond)
			after := serverMem()
			if f := os.Getenv("PARLEY_BENCH_HEAPPROFILE"); f != "" {
				writeHeapProfile(b, f+"."+strings.ReplaceAll(b.Name(), "/", "_"))
			}
			heap = float64(after.heap-before.heap) / benchMembers
			stack = float64(after.stack-before.stack) / benchMembers
			per = heap + stack
			stdin.Close()
			_ = cmd.Wait()
			time.Sleep(200 * time.Millisecond)
		}
		b.ReportMetric(per, "B/conn")
		b.ReportMetric(per/1024, "KiB/conn")
		b.ReportMetric(heap, "heap-B/conn")
		b.ReportMetric(stack, "stack-B/conn")
	}
	b.Run("parley", func(b *testing.B) {
		srv := benchServer(b)
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		}()
		IS, CH, mint := benchChannel(b, srv)
		tokens := make([]string, benchMembers)
		for i := range tokens {
			tokens[i] = mint(benchIdentity(i))
		}
		// Warm up: one connection first, so one-time allocations are not
		// counted.
		c, err := rawDial(srv.MQTTAddr(), "warmup", "", mint("sender"), 0)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		measure(b, srv.MQTTAddr(), broker.ChannelTopic(IS, CH, "messages"), func(i int) string { return tokens[i] })
	})
	b.Run("bare-mochi", func(b *testing.B) {
		srv, addr := bareMochi(b)
		defer srv.Close()
		c, err := rawDial(addr, "warmup", "", "", 0)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		measure(b, addr, "chat/IS00000000000000000000000000000000/channels/CH00000000000000000000000000000000/messages",
			func(int) string { return "" })
	})
}

// writeHeapProfile writes the in-use heap and the goroutine profile
// (debug aid: PARLEY_BENCH_HEAPPROFILE=prefix).
func writeHeapProfile(b *testing.B, name string) {
	for _, p := range []string{"heap", "goroutine"} {
		f, err := os.Create(name + "." + p)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.Lookup(p).WriteTo(f, 0)
		f.Close()
	}
}

// cpuTime returns the user and system CPU time this process has used
// (server and clients: both brokers are measured with the same clients).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memSample is the server process's HeapInuse and StackInuse.
type memSample struct{ heap, stack int64 }

// serverMem samples the memory after several GCs: each GC halves the
// stack of a goroutine using less than a quarter of it, so an idle
// connection's goroutines reach their steady size as in a server that has
// run a while.
func serverMem() memSample {
	var ms runtime.MemStats
	for range 6 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return memSample{heap: int64(ms.HeapInuse), stack: int64(ms.StackInuse)}
}

// TestMQTTIdleClientsChild is the client side of BenchmarkMQTTIdleConnMemory,
// run in a child process: it connects every client of the file, subscribes
// each to its user topic and the channel, prints "ready" and holds the
// connections until its stdin closes. Skipped unless the benchmark runs it.
func TestMQTTIdleClientsChild(t *testing.T) {
	addr, file, topic := os.Getenv("PARLEY_BENCH_IDLE_ADDR"), os.Getenv("PARLEY_BENCH_IDLE_FILE"), os.Getenv("PARLEY_BENCH_IDLE_TOPIC")
	if addr == "" {
		t.Skip("run by BenchmarkMQTTIdleConnMemory")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	userTopic := strings.Replace(topic, "/channels/", "/users/", 1)
	userTopic = userTopic[:strings.Index(userTopic, "/users/")] + "/users/me/events"
	var conns []*rawConn
	for _, line := range strings.Split(string(data), "\n") {
		id, cred, _ := strings.Cut(line, "\t")
		c, err := rawDial(addr, id, "", cred, 0)
		if err == nil {
			err = c.subscribe(1, userTopic, topic)
		}
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}
