-- msg_page.lua (read, channel slot): messages by index range.
-- KEYS[1] channel hash, KEYS[2] index zset, KEYS[3] messages hash.
-- ARGV: svc, dir ('up'|'down'), cursor ('' = from the end; else an
-- integer, exclusive), count.
-- Returns nil for a missing channel, else {index, record, ...}.
if not chan(KEYS[1], ARGV[1]) then return false end
local ids
if ARGV[2] == 'up' then
  local lo = '(' .. ARGV[3]
  if ARGV[3] == '' then lo = '-inf' end
  ids = redis.call('ZRANGEBYSCORE', KEYS[2], lo, '+inf', 'LIMIT', 0, ARGV[4])
else
  local hi = '(' .. ARGV[3]
  if ARGV[3] == '' then hi = '+inf' end
  ids = redis.call('ZREVRANGEBYSCORE', KEYS[2], hi, '-inf', 'LIMIT', 0, ARGV[4])
end
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[3], id)
end
return out
