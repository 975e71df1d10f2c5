-- channel_create.lua (channel slot): step 1 of CreateChannel. The record
-- nobody can reach yet (its SID is not listed nor named until step 2).
-- KEYS[1] channel hash. ARGV: svc, json.
-- Idempotency key: the SID with the same payload.
local cur = redis.call('HGET', KEYS[1], 'v')
if cur then
  if cur == ARGV[2] and redis.call('HGET', KEYS[1], 'svc') == ARGV[1] then return 'ok' end
  return 'exists'
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'svc', ARGV[1], 'mems', 0, 'msgs', 0, 'next', 0, 'seq', 0)
return 'ok'
