-- del.lua: deletes a record of a SID list (hash + zset).
-- KEYS[1] idempotency key, KEYS[2] hash, KEYS[3] zset, KEYS[4] guard
-- channel hash (mode 'chan') or extra zset (mode 'extra').
-- ARGV: ttl, sid, mode ('plain'|'chan'|'extra'), svc or extra member.
-- Returns {'ok', old value} or {'notfound'}.
local r = cached(KEYS[1])
if r then return r end
local mode = ARGV[3]
if mode == 'chan' and not chan(KEYS[4], ARGV[4]) then return {'notfound'} end
local cur = redis.call('HGET', KEYS[2], ARGV[2])
if not cur then return {'notfound'} end
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
if mode == 'extra' then redis.call('ZREM', KEYS[4], ARGV[4]) end
return remember(KEYS[1], ARGV[1], {'ok', cur})
