-- channel_unlink.lua (service slot): step 2 of DeleteChannel: the
-- service-side entries of a deleted channel. Idempotent (entries are
-- removed only while they still name the channel's records).
-- KEYS[1] channels zset, KEYS[2] unique names, KEYS[3] user-channel hash,
-- KEYS[4] user-channel zset, KEYS[5] counts, KEYS[6] identity-invite hash,
-- KEYS[7] identity-invite zset, KEYS[8] users hash.
-- ARGV: channel SID, unique name, n, then n (user SID, member SID) pairs,
-- then hex identities of the pending invites.
local ch = ARGV[1]
redis.call('ZREM', KEYS[1], ch)
if ARGV[2] ~= '' and redis.call('HGET', KEYS[2], ARGV[2]) == ch then redis.call('HDEL', KEYS[2], ARGV[2]) end
local n = tonumber(ARGV[3])
for i = 0, n - 1 do
  local us, mb = ARGV[4 + 2 * i], ARGV[5 + 2 * i]
  local f = us .. '|' .. ch
  local cur = redis.call('HGET', KEYS[3], f)
  if cur == mb or cur == '~' .. mb then
    redis.call('HDEL', KEYS[3], f)
    redis.call('ZREM', KEYS[4], f)
    if redis.call('HEXISTS', KEYS[8], us) == 1 then redis.call('HINCRBY', KEYS[5], us, -1) end
  end
end
for i = 4 + 2 * n, #ARGV do
  local f = ARGV[i] .. '|' .. ch
  redis.call('HDEL', KEYS[6], f)
  redis.call('ZREM', KEYS[7], f)
end
return 'ok'
