package embedded

import (
	"bytes"
	"iter"
	"slices"
	"strconv"

	"github.com/parleychat/parley/model"
	bolt "go.etcd.io/bbolt"
)

// walk is a PageRequest resolved against a list's keys: collect items from
// position from (exclusive; nil means from the end the walk starts at) going
// up or down the key order, and reverse them when rev is set (a Before page
// is collected walking away from its cursor).
type walk struct {
	up    bool
	from  []byte
	rev   bool
	limit int
}

// plan resolves p. desc says that the list runs in descending key order.
// pos turns a cursor into a key suffix.
func plan(p model.PageRequest, desc bool, pos func(cursor string) ([]byte, error)) (walk, error) {
	if p.Limit < 1 {
		return walk{}, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "Page size must be at least 1")
	}
	if p.After != "" && p.Before != "" {
		return walk{}, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "After and Before cannot both be set")
	}
	w := walk{up: !desc, limit: p.Limit}
	cursor := p.After
	if p.Before != "" {
		cursor = p.Before
		w.up, w.rev = desc, true
	}
	if cursor != "" {
		from, err := pos(cursor)
		if err != nil {
			return walk{}, err
		}
		w.from = from
	}
	return w, nil
}

// sidPos is the cursor position of lists keyed by SID.
func sidPos(cursor string) ([]byte, error) { return []byte(cursor), nil }

// indexPos is the cursor position of message lists: a decimal index. A
// negative index comes before every message (the empty suffix).
func indexPos(cursor string) ([]byte, error) {
	i, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "Invalid page cursor %q", cursor)
	}
	if i < 0 {
		return []byte{}, nil
	}
	return indexBytes(i), nil
}

// scan yields the key suffixes (after prefix) and values of bucket b under
// prefix, strictly beyond from in the walk's direction (all of them when
// from is nil).
func scan(b *bolt.Bucket, prefix []byte, up bool, from []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		c := b.Cursor()
		var k, v []byte
		if up {
			start := append(bytes.Clone(prefix), from...)
			k, v = c.Seek(start)
			if from != nil && bytes.Equal(k, start) {
				k, v = c.Next()
			}
			for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if !yield(k[len(prefix):], v) {
					return
				}
			}
			return
		}
		var start []byte
		if from != nil {
			start = append(bytes.Clone(prefix), from...)
		} else {
			start = prefixEnd(prefix)
		}
		if start == nil {
			k, v = c.Last()
		} else if k, _ = c.Seek(start); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if !yield(k[len(prefix):], v) {
				return
			}
		}
	}
}

// prefixEnd returns the smallest key greater than every key starting with
// prefix, or nil when there is none (then the end of the bucket is).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// scanSorted is scan over a sorted list of keys held in memory.
func scanSorted(keys []string, up bool, from []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		if up {
			i := 0
			if from != nil {
				i, _ = slices.BinarySearch(keys, string(from))
				if i < len(keys) && keys[i] == string(from) {
					i++
				}
			}
			for ; i < len(keys); i++ {
				if !yield([]byte(keys[i]), nil) {
					return
				}
			}
			return
		}
		i := len(keys) - 1
		if from != nil {
			j, _ := slices.BinarySearch(keys, string(from))
			i = j - 1
		}
		for ; i >= 0; i-- {
			if !yield([]byte(keys[i]), nil) {
				return
			}
		}
	}
}

// collect builds a page from a walk's items. conv decodes one item and says
// whether the list keeps it (filters); HasMore is set when one more kept
// item follows.
func collect[T, V any](w walk, seq iter.Seq2[[]byte, V], conv func(k []byte, v V) (*T, bool, error)) (model.Page[T], error) {
	var page model.Page[T]
	for k, v := range seq {
		item, ok, err := conv(k, v)
		if err != nil {
			return model.Page[T]{}, err
		}
		if !ok {
			continue
		}
		if len(page.Items) == w.limit {
			page.HasMore = true
			break
		}
		page.Items = append(page.Items, *item)
	}
	if w.rev {
		slices.Reverse(page.Items)
	}
	return page, nil
}

// listBucket pages through the values of bucket b under prefix, in SID
// order.
func listBucket[T any](r *rtx, b, prefix []byte, p model.PageRequest, keep func(*T) bool) (model.Page[T], error) {
	w, err := plan(p, false, sidPos)
	if err != nil {
		return model.Page[T]{}, err
	}
	return collect(w, scan(r.tx.Bucket(b), prefix, w.up, w.from), func(_, v []byte) (*T, bool, error) {
		item, err := decode[T](v)
		if err != nil {
			return nil, false, err
		}
		return item, keep == nil || keep(item), nil
	})
}
