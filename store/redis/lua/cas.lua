-- cas.lua: compare-and-set of one hash field (the write of an Update whose
-- fn ran in the client). KEYS[1] idempotency key, KEYS[2] hash, KEYS[3]
-- guard channel hash (mode 'chan') or count hash (mode 'count').
-- ARGV: ttl, field, expected, new, mode ('plain'|'chan'|'count'), svc.
-- Returns {'ok'} ({'ok', count} in mode 'count'), {'retry'} when the value
-- changed since it was read, {'notfound'}.
local r = cached(KEYS[1])
if r then return r end
if ARGV[5] == 'chan' and not chan(KEYS[3], ARGV[6]) then return {'notfound'} end
local cur = redis.call('HGET', KEYS[2], ARGV[2])
if not cur then return {'notfound'} end
if cur ~= ARGV[3] then return {'retry'} end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
local res = {'ok'}
if ARGV[5] == 'count' then res[2] = redis.call('HGET', KEYS[3], ARGV[2]) or '0' end
return remember(KEYS[1], ARGV[1], res)
