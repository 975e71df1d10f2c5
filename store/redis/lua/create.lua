-- create.lua: creates a record of a SID list (hash + zset), idempotently.
-- KEYS[1] hash, KEYS[2] zset, KEYS[3] guard key (unless guard 'none'),
-- KEYS[4] optional extra zset that also gets ARGV[6].
-- ARGV: sid, json, guard ('none'|'exists'|'hfield'|'chan'), guard argument,
-- max (0: no limit on ZCARD of KEYS[2]), extra member.
-- The SID with the same payload is the idempotency key: a re-sent create
-- finds its own record and answers 'ok'; another payload is 'exists'.
local sid, json, guard, garg, max = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if guard == 'exists' then
  if redis.call('EXISTS', KEYS[3]) == 0 then return 'notfound' end
elseif guard == 'hfield' then
  if redis.call('HEXISTS', KEYS[3], garg) == 0 then return 'notfound' end
elseif guard == 'chan' then
  if not chan(KEYS[3], garg) then return 'notfound' end
end
local cur = redis.call('HGET', KEYS[1], sid)
if cur then
  if cur == json then return 'ok' end
  return 'exists'
end
if max > 0 and redis.call('ZCARD', KEYS[2]) >= max then return 'limit' end
redis.call('HSET', KEYS[1], sid, json)
redis.call('ZADD', KEYS[2], 0, sid)
if KEYS[4] then redis.call('ZADD', KEYS[4], 0, ARGV[6]) end
return 'ok'
