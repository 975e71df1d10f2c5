-- member_reserve.lua (service slot): step 1 of AddMember. Reserves the
-- user's place: its channel count goes up and its channel index holds
-- "~<member SID>" until step 3 commits or releases it, so the user limit
-- holds under concurrent joins to channels in other slots.
-- KEYS[1] users hash, KEYS[2] counts, KEYS[3] user-channel hash, KEYS[4]
-- user-channel zset. ARGV: user SID, channel SID, member SID, user limit.
-- Returns {status, user json}: status 'ok' (reserved, or a re-run of this
-- very call), 'member' (already a member: nothing reserved), 'full'
-- (nothing reserved), or {'nouser'}.
local user = redis.call('HGET', KEYS[1], ARGV[1])
if not user then return {'nouser'} end
local f = ARGV[1] .. '|' .. ARGV[2]
local cur = redis.call('HGET', KEYS[3], f)
if cur == ARGV[3] or cur == '~' .. ARGV[3] then return {'ok', user} end
if cur then return {'member', user} end
local lim = tonumber(ARGV[4])
if lim > 0 and tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') >= lim then return {'full', user} end
redis.call('HSET', KEYS[3], f, '~' .. ARGV[3])
redis.call('ZADD', KEYS[4], 0, f)
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return {'ok', user}
