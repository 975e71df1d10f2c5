-- cget.lua (read): a record under a channel, scoped by its service.
-- KEYS[1] channel hash, KEYS[2] hash (or index hash when KEYS[3] is set),
-- KEYS[3] optional hash the index points into. ARGV: svc, field.
-- Returns nil when missing, else {field, value} (field: the final one).
if not chan(KEYS[1], ARGV[1]) then return false end
local f = ARGV[2]
local h = KEYS[2]
if KEYS[3] then
  f = redis.call('HGET', KEYS[2], f)
  if not f then return false end
  h = KEYS[3]
end
local v = redis.call('HGET', h, f)
if not v then return false end
return {f, v}
