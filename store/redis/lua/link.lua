-- link.lua: sets an index entry (hash field + zset member of the same
-- name). Idempotent. KEYS[1] hash, KEYS[2] zset. ARGV: field, value.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 'ok'
