-- member_add.lua (channel slot): step 2 of AddMember: the checks in the
-- contract's order, then the member, its identity index, the channel's
-- count and seq, and the removal of the identity's pending invite.
-- KEYS[1] channel hash, KEYS[2] members hash, KEYS[3] members zset,
-- KEYS[4] member identity index, KEYS[5] invites hash, KEYS[6] invites
-- zset, KEYS[7] invite identity index.
-- ARGV: svc, member SID, identity, json, step-1 status, channel limit.
-- Idempotency key: the member SID with the same payload.
-- Returns {'ok', seq, removed invite SID or ''} or {error}.
if not chan(KEYS[1], ARGV[1]) then return {'nochan'} end
local cur = redis.call('HGET', KEYS[2], ARGV[2])
if cur then
  local seq, old = seqsplit(cur)
  if old == ARGV[4] then return {'ok', seq, ''} end
  return {'exists'}
end
if redis.call('HEXISTS', KEYS[4], ARGV[3]) == 1 then return {'member'} end
local lim = tonumber(ARGV[6])
if lim > 0 and tonumber(redis.call('HGET', KEYS[1], 'mems') or '0') >= lim then return {'chfull'} end
if ARGV[5] ~= 'ok' then return {ARGV[5]} end
local seq = num(redis.call('HINCRBY', KEYS[1], 'seq', 1))
redis.call('HINCRBY', KEYS[1], 'mems', 1)
redis.call('HSET', KEYS[2], ARGV[2], seq .. ' ' .. ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[3], ARGV[2])
local inv = redis.call('HGET', KEYS[7], ARGV[3])
if inv then
  redis.call('HDEL', KEYS[5], inv)
  redis.call('ZREM', KEYS[6], inv)
  redis.call('HDEL', KEYS[7], ARGV[3])
else
  inv = ''
end
return {'ok', seq, inv}
