-- member_unlink.lua (service slot): step 2 of RemoveMember: the user's
-- index entry and count. Idempotent (only while the entry names the
-- member). KEYS[1] users hash, KEYS[2] counts, KEYS[3] user-channel hash,
-- KEYS[4] user-channel zset. ARGV: user SID, channel SID, member SID.
local f = ARGV[1] .. '|' .. ARGV[2]
if redis.call('HGET', KEYS[3], f) == ARGV[3] then
  redis.call('HDEL', KEYS[3], f)
  redis.call('ZREM', KEYS[4], f)
  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], ARGV[1], -1) end
end
return 'ok'
