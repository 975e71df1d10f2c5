package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/model"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var _ model.Store = (*Store)(nil)

// Options tunes Open. The zero value gives the defaults documented on each
// field.
type Options struct {
	// Mode is the permission of the database file when Open creates it.
	// Default 0600.
	Mode os.FileMode
	// Timeout is how long Open waits for the lock on the file, which another
	// process that has it open holds. Default 5s; negative waits forever.
	Timeout time.Duration
	// MaxBatch is the most write requests the writer applies in one
	// transaction (one fsync). Default 1024.
	MaxBatch int
	// QueueSize is the number of write requests that may wait for the
	// writer before senders block. Default 4096.
	QueueSize int
}

// Defaults of Options.
const (
	DefaultMode      os.FileMode = 0o600
	DefaultTimeout               = 5 * time.Second
	DefaultMaxBatch              = 1024
	DefaultQueueSize             = 4096
)

// schemaVersion is the version of the key layout (see doc.go), stored in the
// meta bucket so that a future layout can tell old files apart.
const schemaVersion = "1"

// Store is the embedded store: a bbolt file with one writer goroutine that
// group-commits writes. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	maxBatch int
	reqs     chan *request

	mu     sync.RWMutex // held for reading while enqueueing, for writing by Close
	closed bool         // guarded by mu
	shut   atomic.Bool  // set once Close starts; reads check it
	done   chan struct{}
}

// request is one write waiting for the writer.
type request struct {
	fn    func(w *wtx) error
	cache bool         // fn reads and writes channels through wtx.cachedChannel
	state atomic.Int32 // stateQueued, stateClaimed or stateCancelled
	done  chan error   // buffered: the writer never blocks answering
}

const (
	stateQueued int32 = iota
	stateClaimed
	stateCancelled
)

// Open opens (creating it if needed) the database file at path. The file is
// locked: a second Open of the same file, from this process or another,
// waits up to opts.Timeout and fails.
func Open(path string, opts Options) (*Store, error) {
	if opts.Mode == 0 {
		opts.Mode = DefaultMode
	}
	switch {
	case opts.Timeout == 0:
		opts.Timeout = DefaultTimeout
	case opts.Timeout < 0:
		opts.Timeout = 0 // bbolt: wait forever
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	db, err := bolt.Open(path, opts.Mode, &bolt.Options{
		Timeout: opts.Timeout,
		// The freelist is rebuilt by a scan at open instead of being written
		// at every commit: crash-safe, and cheaper per commit.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		// NoSync stays false: every commit is fsynced.
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	if err := initBuckets(db); err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &Store{
		db:       db,
		maxBatch: opts.MaxBatch,
		reqs:     make(chan *request, opts.QueueSize),
		done:     make(chan struct{}),
	}
	go s.writer()
	return s, nil
}

// initBuckets creates the buckets of the layout and checks its version.
func initBuckets(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("embedded: create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bMeta)
		switch v := meta.Get(keySchema); {
		case v == nil:
			return meta.Put(keySchema, []byte(schemaVersion))
		case string(v) != schemaVersion:
			return fmt.Errorf("embedded: unsupported schema version %q (want %q)", v, schemaVersion)
		}
		return nil
	})
}

// Path returns the path of the database file.
func (s *Store) Path() string { return s.db.Path() }

// Close finishes the pending writes, stops the writer and closes the file.
// Calls after Close, Close included, return an error of KindUnavailable.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed()
	}
	s.closed = true
	s.shut.Store(true)
	close(s.reqs)
	s.mu.Unlock()
	<-s.done
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	return nil
}

func errClosed() error {
	return &model.Error{Kind: model.KindUnavailable, Code: model.CodeUnavailable, Message: "The store is closed"}
}

// view runs fn in a read-only transaction.
func (s *Store) view(ctx context.Context, fn func(r *rtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.shut.Load() {
		return errClosed()
	}
	err := s.db.View(func(tx *bolt.Tx) error { return fn(&rtx{tx: tx}) })
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return errClosed()
	}
	return err
}

// update queues fn for the writer and waits for its answer. fn runs inside a
// read-write transaction shared with other requests; it may run more than
// once (when another request of its batch fails after writing, the batch is
// rolled back and run again without it), so it must set its results afresh
// on each run. update returns nil only once the transaction that holds fn's
// writes is committed and fsynced.
//
// While the request waits in the queue, a cancelled ctx withdraws it and
// update returns ctx.Err(); once the writer has taken it, update waits for
// the outcome, so that a write is never reported failed yet applied.
func (s *Store) update(ctx context.Context, fn func(w *wtx) error) error {
	return s.send(ctx, &request{fn: fn})
}

// send queues r and waits for its answer (see update).
func (s *Store) send(ctx context.Context, r *request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.done = make(chan error, 1)
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed()
	}
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(stateQueued, stateCancelled) {
			return ctx.Err()
		}
		return <-r.done
	}
}

// writer is the one goroutine that writes. It takes every request queued
// while the previous commit ran and applies them in one transaction.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*request, 0, s.maxBatch)
	for {
		r, ok := <-s.reqs
		if !ok {
			return
		}
		batch = append(batch[:0], r)
	drain:
		for len(batch) < s.maxBatch {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain // the next receive ends the loop
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commit(batch)
		clear(batch) // drop references for the GC
		// Let the senders just answered run and queue their next request
		// before the next drain (a yield, not a wait): one batch then
		// holds nearly all of them instead of alternating half batches.
		runtime.Gosched()
	}
}

// commit applies a batch in one transaction and answers every request.
func (s *Store) commit(batch []*request) {
	live := batch[:0:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(stateQueued, stateClaimed) {
			live = append(live, r)
		}
	}
	errs := make([]error, len(live))
	for len(live) > 0 {
		tx, err := s.db.Begin(true)
		if err != nil {
			answerAll(live, fmt.Errorf("embedded: begin: %w", err))
			return
		}
		w := &wtx{rtx: rtx{tx: tx}}
		failed, wrote := -1, false
		var flushErr error
		for i, r := range live {
			if !r.cache {
				if flushErr = w.flush(); flushErr != nil {
					break
				}
			}
			w.dirty = false
			errs[i] = apply(r, w)
			wrote = wrote || w.dirty
			if errs[i] != nil && w.dirty {
				failed = i // its partial writes are in tx: roll back
				break
			}
		}
		if flushErr == nil && failed < 0 {
			flushErr = w.flush()
		}
		if flushErr != nil {
			_ = tx.Rollback()
			answerAll(live, flushErr)
			return
		}
		if failed >= 0 {
			_ = tx.Rollback()
			live[failed].done <- errs[failed]
			live = append(live[:failed], live[failed+1:]...)
			errs = errs[:len(live)]
			continue
		}
		if !wrote {
			_ = tx.Rollback()
		} else if err := tx.Commit(); err != nil {
			answerAll(live, fmt.Errorf("embedded: commit: %w", err))
			return
		}
		for i, r := range live {
			r.done <- errs[i]
		}
		return
	}
}

// apply runs one request's function, turning a panic into an error (the
// request is then treated as having written, so its batch is rolled back).
func apply(r *request, w *wtx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.dirty = true
			err = fmt.Errorf("embedded: panic in write: %v\n%s", p, debug.Stack())
		}
	}()
	return r.fn(w)
}

func answerAll(rs []*request, err error) {
	for _, r := range rs {
		r.done <- err
	}
}
