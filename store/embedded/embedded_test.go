package embedded

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/store/storetest"
)

// openTemp opens a store in a fresh temporary directory, closed at the end
// of the test.
func openTemp(tb testing.TB) *Store {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "parley.db"))
}

func openAt(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() }) // an error only says it was closed already
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) model.Store { return openTemp(t) },
		Reopen: func(t *testing.T, s model.Store) model.Store {
			es := s.(*Store)
			path := es.Path()
			if err := es.Close(); err != nil {
				t.Fatal(err)
			}
			return openAt(t, path)
		},
	})
}

// fixture creates a service and a channel.
func fixture(tb testing.TB, s *Store) (svc, ch string) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	svc, ch = model.NewSID(model.PrefixService), model.NewSID(model.PrefixChannel)
	if err := s.CreateService(ctx, &model.Service{SID: svc, DateCreated: now}, nil); err != nil {
		tb.Fatal(err)
	}
	if err := s.CreateChannel(ctx, &model.Channel{SID: ch, ServiceSID: svc, Type: model.ChannelPublic, DateCreated: now}); err != nil {
		tb.Fatal(err)
	}
	return svc, ch
}

func newMessage(svc, ch, body string) *model.Message {
	now := time.Now().UTC()
	return &model.Message{SID: model.NewSID(model.PrefixMessage), ServiceSID: svc, ChannelSID: ch, From: "bench",
		Body: body, Attributes: "{}", Type: model.MessageText, DateCreated: now, DateUpdated: now}
}

// blockWriter makes the writer run a request that waits until the returned
// function is called, so that requests sent meanwhile queue up and form one
// batch.
func blockWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	started, unblock, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.update(context.Background(), func(*wtx) error {
			select {
			case <-started:
			default:
				close(started)
			}
			<-unblock
			return nil
		})
	}()
	<-started
	return func() {
		close(unblock)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// waitQueued waits until n requests are queued.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.reqs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", len(s.reqs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A request that fails after writing is rolled back alone: the rest of its
// batch commits, and none of its writes persist.
func TestBatchFailureIsolation(t *testing.T) {
	s := openTemp(t)
	svc, ch := fixture(t, s)
	ctx := context.Background()
	release := blockWriter(t, s)

	type result struct {
		m   *model.Message
		err error
	}
	results := make([]chan result, 3)
	errBoom := errors.New("boom")
	for i := range results {
		results[i] = make(chan result, 1)
		go func() {
			switch i {
			case 1:
				results[i] <- result{err: s.update(ctx, func(w *wtx) error {
					if err := w.put(bMeta, []byte("junk"), []byte("x")); err != nil {
						return err
					}
					return errBoom
				})}
			default:
				m, _, err := s.CreateMessage(ctx, newMessage(svc, ch, strconv.Itoa(i)))
				results[i] <- result{m, err}
			}
		}()
		waitQueued(t, s, i+1)
	}
	release()
	r0, r1, r2 := <-results[0], <-results[1], <-results[2]
	if r0.err != nil || r2.err != nil {
		t.Fatalf("the other requests of the batch failed: %v, %v", r0.err, r2.err)
	}
	if !errors.Is(r1.err, errBoom) {
		t.Fatalf("failing request: %v, want its own error", r1.err)
	}
	if r0.m.Index != 0 || r2.m.Index != 1 {
		t.Fatalf("indices %d, %d; want 0, 1", r0.m.Index, r2.m.Index)
	}
	err := s.view(ctx, func(r *rtx) error {
		if r.has(bMeta, []byte("junk")) {
			return errors.New("the failed request's write persisted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.GetChannel(ctx, svc, ch)
	if err != nil || c.MessagesCount != 2 || c.NextIndex != 2 {
		t.Fatalf("channel after the batch: %+v, %v", c, err)
	}
}

// A request withdrawn by its context while queued returns ctx.Err() at once
// and is never applied.
func TestCancelWhileQueued(t *testing.T) {
	s := openTemp(t)
	svc, _ := fixture(t, s)
	release := blockWriter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	u := &model.User{SID: model.NewSID(model.PrefixUser), ServiceSID: svc, Identity: "late"}
	errc := make(chan error, 1)
	go func() { errc <- s.CreateUser(ctx, u) }()
	waitQueued(t, s, 1)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled queued write: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled queued write did not return while the writer was busy")
	}
	release()
	if _, err := s.GetUser(context.Background(), svc, u.SID); model.KindOf(err) != model.KindNotFound {
		t.Fatalf("withdrawn write: GetUser = %v, want not found", err)
	}
}

// Close waits for queued writes; later calls fail with KindUnavailable.
func TestClose(t *testing.T) {
	s := openTemp(t)
	svc, ch := fixture(t, s)
	ctx := context.Background()
	const n = 50
	errs := make(chan error, n)
	for range n {
		go func() {
			_, _, err := s.CreateMessage(ctx, newMessage(svc, ch, "x"))
			errs <- err
		}()
	}
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	acked := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			acked++
		case model.KindOf(err) != model.KindUnavailable:
			t.Fatalf("write racing Close: %v", err)
		}
	}
	if err := s.Close(); model.KindOf(err) != model.KindUnavailable {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.GetChannel(ctx, svc, ch); model.KindOf(err) != model.KindUnavailable {
		t.Fatalf("read after Close: %v", err)
	}
	if _, _, err := s.CreateMessage(ctx, newMessage(svc, ch, "x")); model.KindOf(err) != model.KindUnavailable {
		t.Fatalf("write after Close: %v", err)
	}
	s2 := openAt(t, path)
	c, err := s2.GetChannel(ctx, svc, ch)
	if err != nil {
		t.Fatal(err)
	}
	if c.MessagesCount != acked || c.NextIndex != int64(acked) {
		t.Fatalf("after reopen: %d messages, NextIndex %d; %d were acknowledged", c.MessagesCount, c.NextIndex, acked)
	}
}

func TestOpenLocked(t *testing.T) {
	s := openTemp(t)
	if _, err := Open(s.Path(), Options{Timeout: 50 * time.Millisecond}); err == nil {
		t.Fatal("second Open of a locked file succeeded")
	}
}

const crashChildEnv = "PARLEY_EMBEDDED_CRASH_DIR"

// TestCrashDurability kills a process that writes (SIGKILL, no shutdown)
// and checks that every write it acknowledged is on disk.
func TestCrashDurability(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDurability$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	timer := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()

	lines := bufio.NewScanner(out)
	var svc, ch string
	acks := map[int64]string{}
	last := int64(-1)
	read := func(line string) {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "ready":
			svc, ch = f[1], f[2]
		case len(f) == 3 && f[0] == "ack":
			i, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("bad line from the child: %q", line)
			}
			acks[i] = f[2]
			last = max(last, i)
		}
	}
	for len(acks) < 300 && lines.Scan() {
		read(lines.Text())
	}
	if len(acks) < 300 {
		t.Fatalf("the child acknowledged only %d writes (%v)", len(acks), lines.Err())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	killed = true
	for lines.Scan() { // acknowledgements already written to the pipe count too
		read(lines.Text())
	}
	_ = cmd.Wait()

	s := openAt(t, filepath.Join(dir, "parley.db"))
	ctx := context.Background()
	c, err := s.GetChannel(ctx, svc, ch)
	if err != nil {
		t.Fatal(err)
	}
	if c.NextIndex <= last || c.MessagesCount < len(acks) {
		t.Fatalf("after the crash: NextIndex %d, MessagesCount %d; last ack %d, %d acks", c.NextIndex, c.MessagesCount, last, len(acks))
	}
	for i, sid := range acks {
		m, err := s.GetMessageByIndex(ctx, svc, ch, i)
		if err != nil {
			t.Fatalf("acknowledged message %d lost: %v", i, err)
		}
		if m.SID != sid {
			t.Fatalf("message %d: SID %s, acknowledged as %s", i, m.SID, sid)
		}
	}
	t.Logf("%d acknowledged writes survived SIGKILL; NextIndex %d", len(acks), c.NextIndex)
}

// crashChild writes messages from several goroutines until it is killed,
// printing each acknowledged index.
func crashChild(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	s, err := Open(filepath.Join(dir, "parley.db"), Options{})
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	svc, ch := model.NewSID(model.PrefixService), model.NewSID(model.PrefixChannel)
	if err := s.CreateService(ctx, &model.Service{SID: svc}, nil); err != nil {
		fail(err)
	}
	if err := s.CreateChannel(ctx, &model.Channel{SID: ch, ServiceSID: svc}); err != nil {
		fail(err)
	}
	var mu sync.Mutex
	fmt.Printf("ready %s %s\n", svc, ch)
	time.AfterFunc(30*time.Second, func() { os.Exit(3) }) // never outlive a lost parent
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				m, _, err := s.CreateMessage(ctx, newMessage(svc, ch, strconv.Itoa(g)))
				if err != nil {
					fail(err)
				}
				mu.Lock()
				fmt.Printf("ack %d %s\n", m.Index, m.SID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
