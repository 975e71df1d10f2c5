-- msg_delete.lua (channel slot): deletes a message, decrements the count,
-- moves the last-message fields back when it was the last, advances the
-- seq. KEYS[1] idempotency key, KEYS[2] channel hash, KEYS[3] messages
-- hash, KEYS[4] index zset, KEYS[5] SID index, KEYS[6] client-ID index.
-- ARGV: ttl, svc, SID. Returns {'ok', index, seq, json} or {'notfound'}.
local r = cached(KEYS[1])
if r then return r end
if not chan(KEYS[2], ARGV[2]) then return {'notfound'} end
local idx = redis.call('HGET', KEYS[5], ARGV[3])
if not idx then return {'notfound'} end
local _, json = seqsplit(redis.call('HGET', KEYS[3], idx))
local cid = cjson.decode(json).ClientMessageID
redis.call('HDEL', KEYS[3], idx)
redis.call('ZREM', KEYS[4], idx)
redis.call('HDEL', KEYS[5], ARGV[3])
if type(cid) == 'string' and cid ~= '' then redis.call('HDEL', KEYS[6], cid) end
redis.call('HINCRBY', KEYS[2], 'msgs', -1)
local seq = num(redis.call('HINCRBY', KEYS[2], 'seq', 1))
if redis.call('HGET', KEYS[2], 'lsid') == ARGV[3] then
  local last = redis.call('ZREVRANGEBYSCORE', KEYS[4], '+inf', '-inf', 'LIMIT', 0, 1)
  if last[1] then
    local _, lj = seqsplit(redis.call('HGET', KEYS[3], last[1]))
    local lm = cjson.decode(lj)
    redis.call('HSET', KEYS[2], 'lsid', lm.SID, 'lidx', last[1], 'ldate', lm.DateCreated)
  else
    redis.call('HDEL', KEYS[2], 'lsid', 'lidx', 'ldate')
  end
end
return remember(KEYS[1], ARGV[1], {'ok', idx, seq, json})
