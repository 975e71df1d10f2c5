-- service_create.lua (service slot): a service with its roles.
-- KEYS[1] service hash, KEYS[2] roles hash, KEYS[3] roles zset, KEYS[4]
-- tombstone of a delete in progress. ARGV: json, then (role sid, role json)*.
-- Idempotency key: the service SID with the same payload.
local cur = redis.call('HGET', KEYS[1], 'v')
if cur then
  if cur == ARGV[1] then return 'ok' end
  return 'exists'
end
if redis.call('EXISTS', KEYS[4]) == 1 then return 'exists' end
redis.call('HSET', KEYS[1], 'v', ARGV[1])
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[3], 0, ARGV[i])
end
return 'ok'
