-- unlink.lua: removes an index entry if it still holds the given value.
-- Idempotent. KEYS[1] hash, KEYS[2] optional zset. ARGV: field, value.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  if KEYS[2] then redis.call('ZREM', KEYS[2], ARGV[1]) end
end
return 'ok'
