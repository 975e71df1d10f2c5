package redis

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// BenchmarkCreateMessageParallel64 is 64 concurrent senders on one channel
// (one CreateMessage script each, on one Redis slot), on the two Redis
// profiles: no persistence, and appendonly with appendfsync always (the
// profile under which an acknowledged message is on disk).
func BenchmarkCreateMessageParallel64(b *testing.B) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"memory", nil},
		{"fsync-always", []string{"--appendonly", "yes", "--appendfsync", "always"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := startRedis(b, tc.args...)
			s := open(b, srv, freshPrefix())
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
		})
	}
}
