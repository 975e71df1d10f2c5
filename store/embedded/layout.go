package embedded

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/parleychat/parley/model"
	bolt "go.etcd.io/bbolt"
)

// Bucket names (see doc.go for what each holds).
var (
	bMeta              = []byte("meta")
	bKeys              = []byte("keys")
	bCredentials       = []byte("credentials")
	bServices          = []byte("services")
	bRoles             = []byte("roles")
	bUsers             = []byte("users")
	bUserByIdentity    = []byte("users_by_identity")
	bUserBindings      = []byte("user_bindings")
	bUserMembers       = []byte("user_members")
	bIdentityInvites   = []byte("identity_invites")
	bChannels          = []byte("channels")
	bChannelByName     = []byte("channels_by_unique_name")
	bMembers           = []byte("members")
	bMemberByIdentity  = []byte("members_by_identity")
	bMessages          = []byte("messages")
	bMessageBySID      = []byte("messages_by_sid")
	bMessageByClientID = []byte("messages_by_client_id")
	bInvites           = []byte("invites")
	bInviteByIdentity  = []byte("invites_by_identity")
	bWebhooks          = []byte("webhooks")
	bBindings          = []byte("bindings")
)

// Keys of the meta bucket.
var (
	keySchema  = []byte("schema")
	keyAccount = []byte("account")
)

// allBuckets lists every bucket; Open creates the missing ones.
var allBuckets = [][]byte{
	bMeta, bKeys, bCredentials, bServices, bRoles, bUsers, bUserByIdentity,
	bUserBindings, bUserMembers, bIdentityInvites, bChannels, bChannelByName,
	bMembers, bMemberByIdentity, bMessages, bMessageBySID, bMessageByClientID,
	bInvites, bInviteByIdentity, bWebhooks, bBindings,
}

// serviceBuckets lists the buckets whose keys all start with "serviceSID/":
// deleting a service clears that prefix in each.
var serviceBuckets = [][]byte{
	bRoles, bUsers, bUserByIdentity, bUserBindings, bUserMembers,
	bIdentityInvites, bChannels, bChannelByName, bMembers, bMemberByIdentity,
	bMessages, bMessageBySID, bMessageByClientID, bInvites, bInviteByIdentity,
	bWebhooks, bBindings,
}

// channelBuckets lists the buckets whose keys all start with
// "serviceSID/channelSID/": deleting a channel clears that prefix in each.
var channelBuckets = [][]byte{
	bMembers, bMemberByIdentity, bMessages, bMessageBySID, bMessageByClientID,
	bInvites, bInviteByIdentity, bWebhooks,
}

// key joins parts with '/'. SIDs have a fixed length, so a key made of SIDs
// followed by one free-form part (an identity, a unique name) is unambiguous
// and key(a, b, "") is the prefix of every key under a/b.
func key(parts ...string) []byte {
	return []byte(strings.Join(parts, "/"))
}

// idKey encodes a free-form string (an identity) that is followed by more
// key parts: hex has no '/', so "svc/<hex>/" prefixes exactly that identity.
func idKey(identity string) string {
	return hex.EncodeToString([]byte(identity))
}

// indexBytes encodes a message index (never negative) in 8 big-endian bytes,
// which sort as the numbers do.
func indexBytes(i int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return b[:]
}

// msgKey is the key of a message in bMessages.
func msgKey(svc, ch string, i int64) []byte {
	return append(key(svc, ch, ""), indexBytes(i)...)
}

// rtx is a transaction seen through the store's layout; reads of both read
// and write operations go through it.
type rtx struct {
	tx *bolt.Tx
}

// get returns the value of k in bucket b, nil when absent. The slice is valid
// until the transaction ends.
func (r *rtx) get(b, k []byte) []byte {
	return r.tx.Bucket(b).Get(k)
}

// has reports whether bucket b holds k.
func (r *rtx) has(b, k []byte) bool {
	return r.get(b, k) != nil
}

// load decodes the value of k in bucket b, or returns KindNotFound.
func load[T any](r *rtx, b, k []byte) (*T, error) {
	data := r.get(b, k)
	if data == nil {
		return nil, notFound()
	}
	return decode[T](data)
}

func decode[T any](data []byte) (*T, error) {
	v := new(T)
	if err := unmarshalRecord(data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// wtx is a read-write transaction. Every change goes through put or del,
// which mark it dirty: the writer knows whether a failed request left writes
// behind that need a rollback.
type wtx struct {
	rtx
	dirty bool
	// chans caches the channels that CreateMessage reads and changes, so
	// that a batch of messages decodes and encodes each channel once. The
	// writer flushes it before any other kind of request and before commit.
	chans map[string]*cachedChannel
}

type cachedChannel struct {
	key     []byte
	ch      *model.Channel
	changed bool
}

// cachedChannel returns the channel from the cache, loading it on a miss.
// The caller that changes it must call touch.
func (w *wtx) cachedChannel(svc, ch string) (*cachedChannel, error) {
	if cc, ok := w.chans[svc+"/"+ch]; ok {
		return cc, nil
	}
	k := key(svc, ch)
	c, err := load[model.Channel](&w.rtx, bChannels, k)
	if err != nil {
		return nil, err
	}
	if w.chans == nil {
		w.chans = map[string]*cachedChannel{}
	}
	cc := &cachedChannel{key: k, ch: c}
	w.chans[string(k)] = cc
	return cc, nil
}

// touch marks a cached channel changed: the request has written.
func (w *wtx) touch(cc *cachedChannel) {
	w.dirty = true
	cc.changed = true
}

// flush writes the changed cached channels and empties the cache.
func (w *wtx) flush() error {
	for _, cc := range w.chans {
		if cc.changed {
			if err := w.save(bChannels, cc.key, cc.ch); err != nil {
				return err
			}
		}
	}
	clear(w.chans)
	return nil
}

func (w *wtx) put(b, k, v []byte) error {
	w.dirty = true
	if err := w.tx.Bucket(b).Put(k, v); err != nil {
		return fmt.Errorf("embedded: put %s: %w", b, err)
	}
	return nil
}

// save stores v encoded in bucket b under k.
func (w *wtx) save(b, k []byte, v any) error {
	data, err := marshalRecord(v)
	if err != nil {
		return err
	}
	return w.put(b, k, data)
}

func (w *wtx) del(b, k []byte) error {
	w.dirty = true
	if err := w.tx.Bucket(b).Delete(k); err != nil {
		return fmt.Errorf("embedded: delete %s: %w", b, err)
	}
	return nil
}

// delPrefix deletes every key of bucket b that starts with prefix.
func (w *wtx) delPrefix(b, prefix []byte) error {
	var keys [][]byte
	c := w.tx.Bucket(b).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := w.del(b, k); err != nil {
			return err
		}
	}
	return nil
}

// count returns the number of keys of bucket b that start with prefix.
func (r *rtx) count(b, prefix []byte) int {
	n := 0
	c := r.tx.Bucket(b).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

func notFound() error {
	e := *model.ErrNotFound
	return &e
}
