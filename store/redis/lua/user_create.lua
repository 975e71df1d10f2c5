-- user_create.lua (service slot). KEYS[1] service hash, KEYS[2] users
-- hash, KEYS[3] counts hash, KEYS[4] users zset, KEYS[5] identity index.
-- ARGV: sid, identity, json. Idempotency key: the SID with the same payload.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'notfound' end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then
  if cur == ARGV[3] then return 'ok' end
  return 'exists'
end
if redis.call('HEXISTS', KEYS[5], ARGV[2]) == 1 then return 'taken' end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], 0)
redis.call('ZADD', KEYS[4], 0, ARGV[1])
redis.call('HSET', KEYS[5], ARGV[2], ARGV[1])
return 'ok'
