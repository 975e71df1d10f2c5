-- member_commit.lua (service slot): step 3 of AddMember. On success the
-- reservation becomes the membership (and the identity's invite entry
-- goes); on failure the reservation is released. Idempotent.
-- KEYS[1] users hash, KEYS[2] counts, KEYS[3] user-channel hash, KEYS[4]
-- user-channel zset, KEYS[5] identity-invite hash, KEYS[6] identity-invite
-- zset. ARGV: user SID, channel SID, member SID, ok ('1'|'0'), hex
-- identity, removed invite SID.
-- Returns 'ok', or 'gone' when the reservation vanished meanwhile (the
-- user or the channel was deleted): the caller undoes step 2.
local f = ARGV[1] .. '|' .. ARGV[2]
local cur = redis.call('HGET', KEYS[3], f)
if ARGV[4] == '1' then
  if cur == ARGV[3] then return 'ok' end
  if cur ~= '~' .. ARGV[3] or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 'gone' end
  redis.call('HSET', KEYS[3], f, ARGV[3])
  redis.call('ZADD', KEYS[4], 0, f)
  if ARGV[6] ~= '' then
    local g = ARGV[5] .. '|' .. ARGV[2]
    if redis.call('HGET', KEYS[5], g) == ARGV[6] then
      redis.call('HDEL', KEYS[5], g)
      redis.call('ZREM', KEYS[6], g)
    end
  end
  return 'ok'
end
if cur == '~' .. ARGV[3] then
  redis.call('HDEL', KEYS[3], f)
  redis.call('ZREM', KEYS[4], f)
  redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
end
return 'ok'
