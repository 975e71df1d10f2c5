-- idlist.lua (read, channel slot): the records a channel's identity index
-- names for some identities. KEYS[1] channel hash, KEYS[2] identity
-- index, KEYS[3] records hash. ARGV: svc, identities...
-- Returns nil for a missing channel, else {sid, record, ...}.
if not chan(KEYS[1], ARGV[1]) then return false end
local out = {}
for i = 2, #ARGV do
  local sid = redis.call('HGET', KEYS[2], ARGV[i])
  if sid then
    local v = redis.call('HGET', KEYS[3], sid)
    if v then
      out[#out + 1] = sid
      out[#out + 1] = v
    end
  end
end
return out
