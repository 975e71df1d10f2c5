-- uc_row.lua (read, channel slot): one row of a user's channel list: the
-- channel, and the member (with its unread count) or the invite.
-- KEYS[1] channel hash, KEYS[2] members hash, KEYS[3] invites hash,
-- KEYS[4] message index zset. ARGV: svc, member SID or '', invite SID.
-- Returns nil when the channel or the record is missing, else
-- {{HGETALL}, 'm'|'i', record, unread ('' for none)}.
if not chan(KEYS[1], ARGV[1]) then return false end
local ch = redis.call('HGETALL', KEYS[1])
if ARGV[2] ~= '' then
  local v = redis.call('HGET', KEYS[2], ARGV[2])
  if not v then return false end
  local _, json = seqsplit(v)
  local h = cjson.decode(json).LastConsumedMessageIndex
  local n = ''
  if type(h) == 'number' then
    if h < 0 then
      n = num(redis.call('ZCARD', KEYS[4]))
    else
      n = num(redis.call('ZCOUNT', KEYS[4], '(' .. num(h), '+inf'))
    end
  end
  return {ch, 'm', v, n}
end
local v = redis.call('HGET', KEYS[3], ARGV[3])
if not v then return false end
return {ch, 'i', v, ''}
