package embedded

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/model"
)

// BenchmarkCreateMessage is one sender: each create waits for its own
// commit, so this measures the latency of a durable write.
func BenchmarkCreateMessage(b *testing.B) {
	s := openTemp(b)
	svc, ch := fixture(b, s)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, _, err := s.CreateMessage(ctx, newMessage(svc, ch, "hello")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkCreateMessageParallel64 is 64 concurrent senders on one channel:
// group commit puts many creates in each transaction.
func BenchmarkCreateMessageParallel64(b *testing.B) {
	s := openTemp(b)
	svc, ch := fixture(b, s)
	ctx := context.Background()
	b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.CreateMessage(ctx, newMessage(svc, ch, "hello")); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkListMessages50 reads 50-message pages at random positions of a
// 100,000-message channel, reporting the p50 and p99 latency of a page.
func BenchmarkListMessages50(b *testing.B) {
	const total = 100_000
	s := openTemp(b)
	svc, ch := fixture(b, s)
	fill(b, s, svc, ch, total)
	runtime.GC() // not the filling's garbage in the page latencies
	b.Run("asc", func(b *testing.B) { benchPages(b, s, svc, ch, total, false) })
	b.Run("desc", func(b *testing.B) { benchPages(b, s, svc, ch, total, true) })
}

// fill creates n messages in a channel from 64 goroutines.
func fill(b *testing.B, s *Store, svc, ch string, n int) {
	b.Helper()
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if _, _, err := s.CreateMessage(ctx, newMessage(svc, ch, "a message of ordinary length, like most")); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func benchPages(b *testing.B, s *Store, svc, ch string, total int, desc bool) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		p := model.PageRequest{After: strconv.Itoa(rng.IntN(total - 100)), Limit: 50, Desc: desc}
		if desc {
			p.After = strconv.Itoa(100 + rng.IntN(total-100))
		}
		t0 := time.Now()
		page, err := s.ListMessages(ctx, svc, ch, p)
		lat = append(lat, time.Since(t0))
		if err != nil || len(page.Items) != 50 {
			b.Fatalf("page: %d items, %v", len(page.Items), err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
