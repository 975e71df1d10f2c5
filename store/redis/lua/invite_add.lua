-- invite_add.lua (channel slot): step 1 of CreateInvite. KEYS[1] channel
-- hash, KEYS[2] invites hash, KEYS[3] invites zset, KEYS[4] identity
-- index. ARGV: svc, invite SID, identity, json.
-- Idempotency key: the invite SID with the same payload.
if not chan(KEYS[1], ARGV[1]) then return 'notfound' end
local cur = redis.call('HGET', KEYS[2], ARGV[2])
if cur then
  if cur == ARGV[4] then return 'ok' end
  return 'exists'
end
if redis.call('HEXISTS', KEYS[4], ARGV[3]) == 1 then return 'invited' end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[3], ARGV[2])
return 'ok'
