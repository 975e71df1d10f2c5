package core_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/store/embedded"
)

// benchEnv is a Core on a fresh embedded store (fsync on, as in
// production) with one service and one channel.
type benchEnv struct {
	core    *core.Core
	store   *embedded.Store
	service string
	channel string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	st, err := embedded.Open(filepath.Join(b.TempDir(), "bench.db"), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	cr, err := core.New(core.Config{Store: st, SecretKey: make([]byte, 32)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := cr.EnsureAccount(ctx, "", ""); err != nil {
		b.Fatal(err)
	}
	svc, err := cr.CreateService(ctx, core.API(false), core.ServiceCreate{FriendlyName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	ch := &model.Channel{SID: model.NewSID(model.PrefixChannel), AccountSID: svc.AccountSID, ServiceSID: svc.SID,
		Attributes: "{}", Type: model.ChannelPublic, CreatedBy: "system", DateCreated: now, DateUpdated: now}
	if err := st.CreateChannel(ctx, ch); err != nil {
		b.Fatal(err)
	}
	return &benchEnv{core: cr, store: st, service: svc.SID, channel: ch.SID}
}

func (e *benchEnv) send(b *testing.B, body string) {
	in := core.MessageCreate{From: "alice", Body: &body}
	if _, err := e.core.CreateMessage(context.Background(), core.API(false), e.service, e.channel, in); err != nil {
		b.Error(err)
	}
}

// BenchmarkCreateMessage is one sender: each create waits for its own fsync.
func BenchmarkCreateMessage(b *testing.B) {
	e := newBenchEnv(b)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		e.send(b, "hello, world")
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkCreateMessage64 is 64 concurrent senders on one channel: group
// commit shares each fsync among the writes queued behind it.
func BenchmarkCreateMessage64(b *testing.B) {
	e := newBenchEnv(b)
	senders := 64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan struct{}, b.N)
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	for range senders {
		wg.Go(func() {
			for range work {
				e.send(b, "hello, world")
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkListMessages50 pages 50 messages out of a 100,000-message
// channel through core: the newest page (Order=desc, as a chat client opens
// a channel) and a page from the middle of history (a page token).
func BenchmarkListMessages50(b *testing.B) {
	e := newBenchEnv(b)
	const total = 100_000
	ctx := context.Background()
	var wg sync.WaitGroup
	next := make(chan int, total)
	for i := range total {
		next <- i
	}
	close(next)
	for range 64 {
		wg.Go(func() {
			for range next {
				m := &model.Message{SID: model.NewSID(model.PrefixMessage), AccountSID: "AC", ServiceSID: e.service,
					ChannelSID: e.channel, From: "alice", Body: "a message of ordinary length for a chat", Attributes: "{}",
					Type: model.MessageText, DateCreated: time.Now().UTC(), DateUpdated: time.Now().UTC()}
				if _, _, err := e.store.CreateMessage(ctx, m); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	size := 50
	for _, bc := range []struct {
		name  string
		order string
		token string
	}{
		{"newest", core.OrderDesc, ""},
		{"middle", core.OrderAsc, "PA50000"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for range b.N {
				t0 := time.Now()
				msgs, _, err := e.core.ListMessages(ctx, core.API(false), e.service, e.channel, bc.order,
					core.PageParams{Size: &size, Token: bc.token})
				lat = append(lat, time.Since(t0))
				if err != nil || len(msgs) != 50 {
					b.Fatalf("ListMessages = %d messages, %v; want 50", len(msgs), err)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		})
	}
}

// BenchmarkBaselineFsync is the disk's floor for durable writes, measured
// in the same run as the benchmarks above: append 128 bytes to a file and
// fdatasync it, once per op. docs/benchmarks.md states the others as ratios
// of it.
func BenchmarkBaselineFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "baseline"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 128)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "syncs/s")
}
