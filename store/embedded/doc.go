// Package embedded is Parley's default store: one file on local disk, no
// server, built on bbolt (go.etcd.io/bbolt). It implements model.Store.
//
// # Why bbolt
//
// bbolt over Pebble (or another LSM engine): bbolt has real ACID
// transactions with serializable isolation, so a cascading delete, a
// read-modify-write of a counter, the checks of AddMember and the index
// assignment of CreateMessage are each one transaction, atomic without any
// locking of our own. It is a single file, a small pure-Go dependency, and
// mature (it is etcd's storage). Its weak point is that each read-write
// transaction ends with its own fsync; group commit recovers that
// throughput (see below).
//
// # Durability and group commit
//
// Every commit is fsynced (bbolt's NoSync stays false; the freelist is not
// written at commit, NoFreelistSync, which is crash-safe: it is rebuilt when
// the file is opened). A method that returns nil has been committed.
//
// All writes go through one writer goroutine. It takes every request queued
// while the previous commit was running (up to Options.MaxBatch) and applies
// them in order in one read-write transaction, then commits once: one fsync
// for the whole batch. There is no waiting for a batch to fill, so batches
// grow with concurrency. If a request fails before writing anything (a
// missing parent, a conflict, an Update fn error), it is answered with its
// error and the batch goes on. If it fails after writing, the transaction is
// rolled back and the batch re-run without it, so none of its writes
// persist; this is why an Update fn may run more than once (it runs on the
// writer goroutine, so it must not call the store). Within a batch,
// CreateMessage reads and updates its channel through a cache, flushed
// before any other kind of request and before the commit, so that a batch
// of messages to one channel decodes and encodes the channel once. While a request
// waits in the queue its context can withdraw it; once the writer has taken
// it, the caller waits for the outcome. Reads are bbolt read transactions,
// which run concurrently with each other and with the writer.
//
// # Layout
//
// Values are model types encoded with encoding/json, except messages and
// channels, the hot path, which have a compact binary record (records.go).
// A message's index lives only in its key, so that the sender's goroutine
// encodes the message before the writer assigns the index. Every bucket is a
// top-level bucket; keys are made of parts joined with '/'. SIDs have a
// fixed length, so "svc/ch/" is the exact prefix of everything under a
// channel. Identities that are followed by more key parts are hex-encoded
// (<hexid>) so that no identity is a prefix of another's keys. Lists walk
// keys in order: SIDs are time-ordered, so SID order is creation order.
//
//	meta                     "schema" -> layout version; "account" -> Account
//	keys                     keySID -> APIKey
//	credentials              credentialSID -> Credential
//	services                 svc -> Service
//	roles                    svc/roleSID -> Role
//	users                    svc/userSID -> User
//	users_by_identity        svc/identity -> userSID
//	user_members             svc/userSID/ch -> memberSID (the user's channels)
//	identity_invites         svc/<hexid>/ch -> inviteSID (an identity's invites)
//	user_bindings            svc/userSID/bindingSID -> ""
//	channels                 svc/ch -> Channel
//	channels_by_unique_name  svc/uniqueName -> ch
//	members                  svc/ch/memberSID -> Member
//	members_by_identity      svc/ch/identity -> memberSID
//	messages                 svc/ch/<index: 8 bytes big-endian> -> Message
//	messages_by_sid          svc/ch/messageSID -> index
//	messages_by_client_id    svc/ch/clientMessageID -> index
//	invites                  svc/ch/inviteSID -> Invite
//	invites_by_identity      svc/ch/identity -> inviteSID
//	webhooks                 svc/ch/webhookSID -> Webhook
//	bindings                 svc/bindingSID -> Binding
//
// So every Get is a point lookup (two for lookups by name or message SID),
// every list is a range scan in list order, and a message page is a seek to
// its cursor's index followed by a walk of Limit+1 keys. A user's channel
// list merges user_members and identity_invites, both in channel SID order.
// Deleting a service clears the "svc/" prefix of every service bucket;
// deleting a channel clears "svc/ch/" in the channel buckets after fixing
// the counters of its members' users and the invite index.
//
// Unread counts (CountMessagesAfter, UserChannel.UnreadMessagesCount) walk
// the keys on the shorter side of the horizon, without decoding values.
package embedded
