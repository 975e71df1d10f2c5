-- member_remove.lua (channel slot): deletes a member, decrements the
-- channel's count and advances its seq. KEYS[1] idempotency key, KEYS[2]
-- channel hash, KEYS[3] members hash, KEYS[4] members zset, KEYS[5]
-- identity index. ARGV: ttl, svc, member SID.
-- Returns {'ok', seq, json of the member as it was} or {'notfound'}.
local r = cached(KEYS[1])
if r then return r end
if not chan(KEYS[2], ARGV[2]) then return {'notfound'} end
local cur = redis.call('HGET', KEYS[3], ARGV[3])
if not cur then return {'notfound'} end
local _, json = seqsplit(cur)
local id = cjson.decode(json).Identity
redis.call('HDEL', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
if redis.call('HGET', KEYS[5], id) == ARGV[3] then redis.call('HDEL', KEYS[5], id) end
redis.call('HINCRBY', KEYS[2], 'mems', -1)
local seq = num(redis.call('HINCRBY', KEYS[2], 'seq', 1))
return remember(KEYS[1], ARGV[1], {'ok', seq, json})
