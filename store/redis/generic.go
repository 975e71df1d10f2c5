package redis

import (
	"context"
	"slices"

	"github.com/parleychat/parley/model"
	goredis "github.com/redis/go-redis/v9"
)

// createStatus turns the answer of a create script into an error.
func createStatus(st string, limit error) error {
	switch st {
	case "ok":
		return nil
	case "notfound":
		return notFound()
	case "exists":
		return errExists()
	case "limit":
		return limit
	}
	return errUnexpected(st)
}

func errUnexpected(st string) error {
	return model.Errorf(model.KindInternal, model.CodeInternal, "redis store: unexpected script status %q", st)
}

// guard says how a create or list checks its parent.
type guard struct {
	mode string // none, exists, hfield, chan
	key  string
	arg  string
}

var noGuard = guard{mode: "none"}

// create stores a new record of a SID list (see create.lua).
func (s *Store) create(ctx context.Context, h, z string, g guard, sid string, v any, max int, limit error, extraZ, extraM string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	js, err := enc(v)
	if err != nil {
		return err
	}
	keys := []string{h, z}
	if g.mode != "none" {
		keys = append(keys, g.key)
	}
	if extraZ != "" {
		keys = append(keys, extraZ)
	}
	st, err := s.runStr(wctx(ctx), "create", keys, sid, js, g.mode, g.arg, max, extraM)
	if err != nil {
		return err
	}
	return createStatus(st, limit)
}

// hget reads one hash field; a missing one is KindNotFound.
func (s *Store) hget(ctx context.Context, h, f string) (string, error) {
	if err := s.begin(ctx); err != nil {
		return "", err
	}
	v, err := s.c.HGet(ctx, h, f).Result()
	if err == goredis.Nil {
		return "", notFound()
	}
	if err != nil {
		return "", s.fail(err)
	}
	return v, nil
}

// getRec reads and decodes one record of a hash.
func getRec[T any](s *Store, ctx context.Context, h, f string) (*T, error) {
	v, err := s.hget(ctx, h, f)
	if err != nil {
		return nil, err
	}
	return dec[T](v)
}

// cget reads a record under a channel, scoped by its service (cget.lua).
// With via set, f is looked up in the index hash via first.
func (s *Store) cget(ctx context.Context, svc, ch, h, f, via string) (field, rec string, err error) {
	if err := s.begin(ctx); err != nil {
		return "", "", err
	}
	keys := []string{s.ck(ch, kChan)}
	if via != "" {
		keys = append(keys, s.ck(ch, via))
	}
	keys = append(keys, s.ck(ch, h))
	res, err := s.run(ctx, "cget", keys, svc, f)
	if err != nil {
		return "", "", err
	}
	if res == nil {
		return "", "", notFound()
	}
	l := strs(res)
	return l[0], l[1], nil
}

// casMode says what cas.lua checks besides the value.
type casMode struct {
	mode string // plain, chan, count
	key  string // channel hash or count hash
	arg  string // the service SID (chan)
}

// update is the read-modify-write of an Update method on a plain record
// (one hash field): read, fn on a copy, fix (the store-kept fields), then
// compare-and-set in cas.lua. A changed value makes it start over, so fn
// may run more than once. It returns the stored value and, in mode count,
// the count field.
func update[T any](s *Store, ctx context.Context, h, f string, m casMode, read func(context.Context) (string, error),
	fn func(*T) error, fix func(old, cur *T)) (*T, string, error) {
	if err := s.begin(ctx); err != nil {
		return nil, "", err
	}
	if read == nil {
		read = func(ctx context.Context) (string, error) { return s.hget(ctx, h, f) }
	}
	for range s.maxAttempts {
		raw, err := read(ctx)
		if err != nil {
			return nil, "", err
		}
		old, err := dec[T](raw)
		if err != nil {
			return nil, "", err
		}
		cur, err := dec[T](raw) // a deep copy for fn
		if err != nil {
			return nil, "", err
		}
		if err := fn(cur); err != nil {
			return nil, "", err
		}
		fix(old, cur)
		js, err := enc(cur)
		if err != nil {
			return nil, "", err
		}
		keys := []string{s.op(h), h}
		if m.mode != "plain" {
			keys = append(keys, m.key)
		}
		st, l, err := s.runList(wctx(ctx), "cas", keys, s.opTTL, f, raw, js, m.mode, m.arg)
		if err != nil {
			return nil, "", err
		}
		extra, retry, err := casOutcome(st, l)
		if err != nil {
			return nil, "", err
		}
		if retry {
			continue
		}
		return cur, extra, nil
	}
	return nil, "", errContended()
}

// casOutcome reads the answer of a compare-and-set script: "ok" with an
// optional second element (returned as extra), "retry" when the record
// changed since it was read, or "notfound".
func casOutcome(st string, l []any) (extra string, retry bool, err error) {
	switch st {
	case "ok":
		if len(l) > 1 {
			extra = str(l[1])
		}
		return extra, false, nil
	case "retry":
		return "", true, nil
	case "notfound":
		return "", false, notFound()
	}
	return "", false, errUnexpected(st)
}

func errContended() error {
	return model.Errorf(model.KindUnavailable, model.CodeUnavailable, "The record changed too often to be updated; try again")
}

// del deletes a record of a SID list (del.lua) and returns its old value.
func (s *Store) del(ctx context.Context, h, z, sid, mode, guardKey, arg string) (string, error) {
	if err := s.begin(ctx); err != nil {
		return "", err
	}
	keys := []string{s.op(h), h, z}
	if mode != "plain" {
		keys = append(keys, guardKey)
	}
	st, l, err := s.runList(wctx(ctx), "del", keys, s.opTTL, sid, mode, arg)
	if err != nil {
		return "", err
	}
	switch st {
	case "ok":
		return str(l[1]), nil
	case "notfound":
		return "", notFound()
	}
	return "", errUnexpected(st)
}

// entry is one item of a SID list batch: its SID, value and count.
type entry struct {
	sid, val, n string
	h           map[string]string  // a channel's hash, for channel lists
	uc          *model.UserChannel // a loaded row, for user channel lists
}

// fetchFn returns up to n entries of a list strictly beyond cursor in the
// walk's direction ("" = from the end where the walk starts), how many list
// positions it scanned (fewer than n: the list is exhausted) and the last
// position scanned. ok false means the list's parent is missing.
type fetchFn func(ctx context.Context, up bool, cursor string, n int) (es []entry, scanned int, last string, ok bool, err error)

// pageOf builds a page of a SID-ordered list: it fetches batches until it
// holds Limit+1 kept items or the list ends. conv decodes an entry and says
// whether the list keeps it (filters, records missing mid-write).
func pageOf[T any](ctx context.Context, p model.PageRequest, batch int, fetch fetchFn, conv func(entry) (*T, bool, error)) (model.Page[T], error) {
	var out model.Page[T]
	if p.Limit < 1 {
		return out, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "Page size must be at least 1")
	}
	if p.After != "" && p.Before != "" {
		return out, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "After and Before cannot both be set")
	}
	up, cursor := true, p.After
	if p.Before != "" {
		up, cursor = false, p.Before
	}
	need := p.Limit + 1
	n := max(need, batch)
	for {
		es, scanned, last, ok, err := fetch(ctx, up, cursor, n)
		if err != nil {
			return model.Page[T]{}, err
		}
		if !ok {
			return model.Page[T]{}, notFound()
		}
		for _, e := range es {
			item, keep, err := conv(e)
			if err != nil {
				return model.Page[T]{}, err
			}
			if keep {
				out.Items = append(out.Items, *item)
			}
			if len(out.Items) == need {
				break
			}
		}
		if len(out.Items) >= need || scanned < n {
			break
		}
		cursor = last
	}
	if len(out.Items) > p.Limit {
		out.Items, out.HasMore = out.Items[:p.Limit], true
	}
	if !up {
		slices.Reverse(out.Items)
	}
	return out, nil
}

// pageScript is a fetchFn over page.lua: zset z (members prefix+sid) and
// hash h, with an optional guard and count hash.
func (s *Store) pageScript(z, h, prefix string, g guard, counts string) fetchFn {
	return func(ctx context.Context, up bool, cursor string, n int) ([]entry, int, string, bool, error) {
		keys := []string{z, h}
		if g.mode != "none" {
			keys = append(keys, g.key)
			if counts != "" {
				keys = append(keys, counts)
			}
		}
		dir := "down"
		if up {
			dir = "up"
		}
		res, err := s.run(ctx, "page", keys, dir, prefix, cursor, n, g.mode, g.arg)
		if err != nil || res == nil {
			return nil, 0, "", false, err
		}
		l := strs(res)
		scanned := atoi(l[0])
		var es []entry
		for i := 2; i+2 < len(l); i += 3 {
			es = append(es, entry{sid: l[i], val: l[i+1], n: l[i+2]})
		}
		return es, scanned, l[1], true, nil
	}
}

// listRecs lists the decoded records of a SID list.
func listRecs[T any](s *Store, ctx context.Context, z, h string, g guard, p model.PageRequest) (model.Page[T], error) {
	if err := s.begin(ctx); err != nil {
		return model.Page[T]{}, err
	}
	return pageOf(ctx, p, 0, s.pageScript(z, h, "", g, ""), func(e entry) (*T, bool, error) {
		v, err := dec[T](e.val)
		return v, err == nil, err
	})
}

// pageSorted pages through a sorted slice of SIDs held in memory.
func pageSorted(sids []string) fetchFn {
	return func(_ context.Context, up bool, cursor string, n int) ([]entry, int, string, bool, error) {
		var picked []string
		if up {
			i := 0
			if cursor != "" {
				i, _ = slices.BinarySearch(sids, cursor)
				if i < len(sids) && sids[i] == cursor {
					i++
				}
			}
			picked = sids[i:min(i+n, len(sids))]
		} else {
			j := len(sids)
			if cursor != "" {
				j, _ = slices.BinarySearch(sids, cursor)
			}
			for k := j - 1; k >= 0 && len(picked) < n; k-- {
				picked = append(picked, sids[k])
			}
		}
		es := make([]entry, len(picked))
		for i, sid := range picked {
			es[i] = entry{sid: sid}
		}
		last := ""
		if len(picked) > 0 {
			last = picked[len(picked)-1]
		}
		return es, len(picked), last, true, nil
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}
