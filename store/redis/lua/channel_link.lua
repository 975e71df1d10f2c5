-- channel_link.lua (service slot): step 2 of CreateChannel: the unique
-- name and the service's channel list. Idempotent.
-- KEYS[1] service hash, KEYS[2] channels zset, KEYS[3] unique names hash.
-- ARGV: channel SID, unique name ('' for none).
-- Returns 'ok', 'notfound' (no service) or 'taken:<holder SID>'.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'notfound' end
if ARGV[2] ~= '' then
  local cur = redis.call('HGET', KEYS[3], ARGV[2])
  if cur and cur ~= ARGV[1] then return 'taken:' .. cur end
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 'ok'
