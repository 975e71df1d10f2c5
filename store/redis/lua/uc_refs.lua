-- uc_refs.lua (read, service slot): one batch of a user's channel list
-- references: its memberships and the pending invites of its identity,
-- each in channel SID order. KEYS[1] users hash, KEYS[2] user-channel
-- hash, KEYS[3] user-channel zset, KEYS[4] identity-invite hash, KEYS[5]
-- identity-invite zset. ARGV: user SID, dir ('up'|'down'), cursor, count.
-- Returns nil for a missing user, else {user json, {ch, member, ...},
-- {ch, invite, ...}} (member values may be "~..." reservations).
local user = redis.call('HGET', KEYS[1], ARGV[1])
if not user then return false end
local hex = tohex(cjson.decode(user).Identity)
local function refs(z, h, prefix)
  local pend = string.sub(prefix, 1, -2) .. '}'
  local ids
  if ARGV[2] == 'up' then
    local lo = '(' .. prefix .. ARGV[3]
    if ARGV[3] == '' then lo = '[' .. prefix end
    ids = redis.call('ZRANGEBYLEX', z, lo, '(' .. pend, 'LIMIT', 0, ARGV[4])
  else
    local hi = '(' .. prefix .. ARGV[3]
    if ARGV[3] == '' then hi = '(' .. pend end
    ids = redis.call('ZREVRANGEBYLEX', z, hi, '[' .. prefix, 'LIMIT', 0, ARGV[4])
  end
  local out = {}
  for _, f in ipairs(ids) do
    out[#out + 1] = string.sub(f, #prefix + 1)
    out[#out + 1] = redis.call('HGET', h, f) or ''
  end
  return out
end
return {user, refs(KEYS[3], KEYS[2], ARGV[1] .. '|'), refs(KEYS[5], KEYS[4], hex .. '|')}
