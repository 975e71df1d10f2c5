-- msg_update.lua (channel slot): compare-and-set of a message and the next
-- seq. KEYS[1] idempotency key, KEYS[2] channel hash, KEYS[3] messages
-- hash, KEYS[4] SID index. ARGV: ttl, svc, SID, expected record, new json.
-- Returns {'ok', seq}, {'retry'} or {'notfound'}.
local r = cached(KEYS[1])
if r then return r end
if not chan(KEYS[2], ARGV[2]) then return {'notfound'} end
local idx = redis.call('HGET', KEYS[4], ARGV[3])
if not idx then return {'notfound'} end
if redis.call('HGET', KEYS[3], idx) ~= ARGV[4] then return {'retry'} end
local seq = num(redis.call('HINCRBY', KEYS[2], 'seq', 1))
redis.call('HSET', KEYS[3], idx, seq .. ' ' .. ARGV[5])
return remember(KEYS[1], ARGV[1], {'ok', seq})
