-- name_reserve.lua (service slot): reserves a unique name for a channel
-- being renamed. KEYS[1] service hash, KEYS[2] unique names hash.
-- ARGV: name, channel SID. Returns 'ok', 'notfound' or 'taken:<holder>'.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'notfound' end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur and cur ~= ARGV[2] then return 'taken:' .. cur end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 'ok'
