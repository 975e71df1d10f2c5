-- page.lua (read): one batch of a lexicographic SID list.
-- KEYS[1] zset of members prefix..sid (score 0), KEYS[2] hash sid -> value,
-- KEYS[3] guard key (when ARGV[5] ~= 'none'), KEYS[4] optional hash of
-- counts sid -> n.
-- ARGV: dir ('up'|'down'), prefix, cursor ('' = from the end), count,
-- guard ('none'|'exists'|'chan'), svc.
-- Returns nil when the guard fails, else {scanned, last, sid, value, count, ...}.
local dir, prefix, cursor, count, guard = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if guard == 'exists' and redis.call('EXISTS', KEYS[3]) == 0 then return false end
if guard == 'chan' and not chan(KEYS[3], ARGV[6]) then return false end
local pend = nil
if prefix ~= '' then pend = string.sub(prefix, 1, -2) .. string.char(string.byte(prefix, -1) + 1) end
local ids
if dir == 'up' then
  local lo = '(' .. prefix .. cursor
  if cursor == '' then lo = (prefix == '' and '-') or ('[' .. prefix) end
  local hi = (pend and ('(' .. pend)) or '+'
  ids = redis.call('ZRANGEBYLEX', KEYS[1], lo, hi, 'LIMIT', 0, count)
else
  local hi = '(' .. prefix .. cursor
  if cursor == '' then hi = (pend and ('(' .. pend)) or '+' end
  local lo = (prefix == '' and '-') or ('[' .. prefix)
  ids = redis.call('ZREVRANGEBYLEX', KEYS[1], hi, lo, 'LIMIT', 0, count)
end
local last = ''
if #ids > 0 then last = string.sub(ids[#ids], #prefix + 1) end
local out = {num(#ids), last}
for _, id in ipairs(ids) do
  local f = string.sub(id, #prefix + 1)
  local v = redis.call('HGET', KEYS[2], f)
  if v then
    out[#out + 1] = f
    out[#out + 1] = v
    if KEYS[4] then out[#out + 1] = redis.call('HGET', KEYS[4], f) or '0' else out[#out + 1] = '' end
  end
end
return out
