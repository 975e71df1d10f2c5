-- invite_remove.lua (channel slot): deletes an invite. KEYS[1]
-- idempotency key, KEYS[2] channel hash, KEYS[3] invites hash, KEYS[4]
-- invites zset, KEYS[5] identity index. ARGV: ttl, svc, invite SID.
-- Returns {'ok', json} or {'notfound'}.
local r = cached(KEYS[1])
if r then return r end
if not chan(KEYS[2], ARGV[2]) then return {'notfound'} end
local cur = redis.call('HGET', KEYS[3], ARGV[3])
if not cur then return {'notfound'} end
local id = cjson.decode(cur).Identity
redis.call('HDEL', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
if redis.call('HGET', KEYS[5], id) == ARGV[3] then redis.call('HDEL', KEYS[5], id) end
return remember(KEYS[1], ARGV[1], {'ok', cur})
