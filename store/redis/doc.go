// Package redis is Parley's Redis store (go-redis v9): it implements
// model.Store on a single Redis, a Sentinel-managed Redis or a Redis
// Cluster (go-redis's universal client: see Options.Client), so that
// several Parley nodes can share one state.
//
// # Key layout
//
// Every key starts with Options.Prefix (default "parley:") followed by a
// hash tag that names its slot, so that the keys one script touches always
// share a slot and Redis Cluster accepts the script:
//
//	{g}:acct           string  Account json
//	{g}:k   {g}:kz     hash+zset  API keys (SID -> json; SIDs, score 0)
//	{g}:cr  {g}:crz    hash+zset  credentials
//	{g}:svcz           zset    service SIDs
//
//	{IS…}:svc          hash    v -> Service json
//	{IS…}:r   :rz      hash+zset  roles
//	{IS…}:u   :uz      hash+zset  users (json with JoinedChannelsCount 0)
//	{IS…}:un           hash    user SID -> JoinedChannelsCount
//	{IS…}:ui           hash    identity -> user SID
//	{IS…}:um  :umz     hash+zset  "US…|CH…" -> member SID ("~MB…" while
//	                           AddMember holds a reservation): a user's channels
//	{IS…}:iim :iiz     hash+zset  "<hex identity>|CH…" -> invite SID: an
//	                           identity's pending invites
//	{IS…}:b   :bz      hash+zset  bindings; {IS…}:ubz zset "US…|BS…"
//	{IS…}:cz           zset    channel SIDs
//	{IS…}:cn           hash    unique name -> channel SID
//	{IS…}:pend         hash    user SID -> work a DeleteUser has left
//	{IS…}:tomb         string  channels a DeleteService has left
//
//	{CH…}:c            hash    v (Channel json, store-kept fields zeroed),
//	                           svc, mems, msgs, next, seq, lsid, lidx, ldate
//	{CH…}:m            hash    index -> "<seq> <Message json>"
//	{CH…}:mz           zset    index (score) -> index: ranges and counts
//	{CH…}:ms  {CH…}:mc hash    message SID / client message ID -> index
//	{CH…}:b   :bz      hash+zset  members: SID -> "<seq> <Member json>"
//	{CH…}:bi           hash    identity -> member SID
//	{CH…}:i   :iz :ii  hash+zset+hash  invites and their identity index
//	{CH…}:w   :wz      hash+zset  webhooks
//	{…}:op:<random>    string  idempotency records (see below), with a TTL
//
// A channel's keys are all in its slot, so everything on the hot path
// (CreateMessage, UpdateMessage, DeleteMessage, UpdateMember, UpdateChannel
// without a rename, message pages, unread counts) is one script in one
// slot; a service's channels spread over the cluster. Lists are sorted sets
// with score 0 read with ZRANGEBYLEX from the page cursor: SIDs are
// time-ordered, so lexicographic order is creation order. Messages are
// paged by index with ZRANGEBYSCORE on {CH…}:mz. Composite members
// ("US…|CH…") make one sorted set hold every user's list, read by prefix.
//
// # Scripts and atomicity
//
// Every multi-key write is a Lua script (lua/*.lua, embedded in the
// binary, lua/lib.lua prepended to each; loaded by Ping, run by EVALSHA
// with a fallback to EVAL). A script runs alone on its Redis, so each is
// atomic: CreateMessage's index assignment, message write, indexes,
// counters, last message and seq are one script (msg_create.lua), and so
// are the checks and writes of every single-slot write. Scripts never
// decode JSON to write it: counters and seqs are hash fields changed with
// HINCRBY, and members and messages are stored as "<seq> <json>" so a
// script sets the seq by string concatenation. (Scripts read a few string
// fields with cjson: an identity, a client message ID, a message's SID
// and date.)
//
// Update methods (dex-style read-modify-write with a client-side fn) use
// optimistic concurrency in Lua rather than WATCH/MULTI: the record is
// read, fn runs on a copy in Go, then a script writes the new value only
// if the stored one is still byte-for-byte the one read (and, for channel
// entities, advances the seq in the same step); otherwise the whole round
// starts again (fn may run more than once, as the contract allows; after
// Options.MaxAttempts rounds the call fails with KindUnavailable). A Lua
// compare-and-set needs no connection pinned for WATCH, works through a
// cluster client and a pool, costs one round trip for the write, and can
// do the seq and index updates in the same atomic step, which EXEC could
// too but only after a WATCH round trip on a dedicated connection.
//
// Writes that span slots are sequences of scripts, each atomic and
// idempotent, ordered so that a reader never sees a half-made entity and a
// failure in the middle leaves at most unreachable garbage or a state a
// re-run of the same call completes:
//   - CreateService: the SID into {g}:svcz (readers skip a SID without a
//     record), then the service and roles in one script.
//   - CreateChannel: the record in the channel's slot (unreachable: listed
//     nowhere), then service existence, unique name and list in the
//     service's slot; a refusal there deletes the record.
//   - UpdateChannel with a new unique name: reserve the name, CAS the
//     record, release the old name (or the new one when the CAS fails).
//     GetChannelByUniqueName checks the record's name, so a rename is seen
//     at the CAS.
//   - AddMember: reserve the user's place (count and "~MB" entry, under
//     the user limit), add the member in the channel's slot (checks in the
//     contract's order, count, seq, removal of the pending invite), then
//     commit or release the reservation. A reservation counts towards the
//     user limit, so concurrent joins of one user to channels in different
//     slots cannot pass it.
//   - RemoveMember, DeleteInvite, CreateInvite: the channel's slot first,
//     then the service-side index entry (removed only while it still names
//     the same record).
//   - DeleteChannel: one script clears the channel's slot (and advances
//     its seq for channelRemoved), then one script fixes the service side
//     (list, name, users' entries and JoinedChannelsCount, invite entries).
//   - DeleteUser: one script removes the user and everything of it in the
//     service's slot and records the channel-side work in {IS…}:pend; the
//     memberships (each advancing its channel's seq) and invites are then
//     removed in the channels' slots, pipelined; then the pend entry goes.
//   - DeleteService: one script deletes every key of the service's slot and
//     leaves a tombstone naming its channels; the channels' slots are then
//     cleared (pipelined), then the tombstone and the {g}:svcz entry. From
//     the first step the service, its roles, users and bindings are gone
//     and nothing can be created under it (every create checks its parent
//     in the service's slot); until the channels are cleared a reader that
//     already holds a channel SID may still read that channel.
//
// A DeleteUser or DeleteService that fails after its first step answers
// its error; calling it again resumes from the pend entry or tombstone and
// answers nil. A CreateChannel or rename that dies between steps may leave
// a name pointing at a channel that does not exist: the next claim of the
// name takes it over. What is not repaired automatically (a process dying
// between the steps of AddMember, RemoveMember or a member removal of
// DeleteChannel leaves a user's JoinedChannelsCount one off, or an index
// entry whose row readers skip) is listed in docs as work left.
//
// # Idempotency
//
// go-redis re-sends a command whose reply was lost (a connection reset
// after Redis ran it): MaxRetries defaults to 3 here. Every write a client
// may re-send therefore carries an idempotency key checked inside the same
// script:
//   - Creates use the new entity's SID (generated by core before the call)
//     with its payload: a script that finds the SID already stored with
//     the same JSON answers the original result (for CreateMessage: the
//     index and seq it got, created = true) instead of writing again; the
//     same SID with another payload is KindConflict.
//   - Updates and deletes, which are not idempotent by nature (a second
//     delete would say not found, a second update would advance the seq
//     again), take a random key per attempt ({slot}:op:<random>): the
//     script's result is stored there (SET PX Options.OpTTL) in the same
//     atomic step, and a re-run answers it.
//   - The remaining writes are idempotent as they are (index links and
//     unlinks guarded by the value they expect, PutAccount's SET).
//
// # Durability and failures
//
// A method returns nil once Redis has acknowledged the last script of the
// write. What that promises depends on Redis: with appendonly yes and
// appendfsync always the write is fsynced before the reply; with everysec
// about a second of acknowledged writes can be lost on a crash; without
// AOF, everything since the last snapshot. The caller's context is checked
// before a write starts; once it has started the write runs to its end
// (context.WithoutCancel, within go-redis's timeouts), so a write is never
// reported failed because the caller went away. Connection, timeout and
// failover errors (and LOADING, READONLY, CLUSTERDOWN...) are
// KindUnavailable; a call after Close is KindUnavailable too.
package redis
