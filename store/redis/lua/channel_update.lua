-- channel_update.lua (channel slot): compare-and-set of a channel's record
-- and the next seq, atomically. KEYS[1] idempotency key, KEYS[2] channel
-- hash. ARGV: ttl, svc, expected json, new json.
-- Returns {'ok', HGETALL...}, {'retry'} or {'notfound'}.
local r = cached(KEYS[1])
if r then return r end
if not chan(KEYS[2], ARGV[2]) then return {'notfound'} end
if redis.call('HGET', KEYS[2], 'v') ~= ARGV[3] then return {'retry'} end
redis.call('HSET', KEYS[2], 'v', ARGV[4])
redis.call('HINCRBY', KEYS[2], 'seq', 1)
local res = redis.call('HGETALL', KEYS[2])
table.insert(res, 1, 'ok')
return remember(KEYS[1], ARGV[1], res)
