-- user_delete.lua (service slot): step 1 of DeleteUser. Removes the user,
-- its identity, its bindings and its index entries (memberships, pending
-- invites of its identity) at once, and records in the pending hash what
-- the caller must still remove in the channels' slots.
-- KEYS[1] idempotency key, KEYS[2] users, KEYS[3] counts, KEYS[4] users
-- zset, KEYS[5] identity index, KEYS[6] user-channel hash, KEYS[7]
-- user-channel zset, KEYS[8] identity-invite hash, KEYS[9] identity-invite
-- zset, KEYS[10] bindings, KEYS[11] bindings zset, KEYS[12] user-bindings
-- zset, KEYS[13] pending hash. ARGV: ttl, user SID.
-- Returns {'ok', work} where work has lines "M <channel> <member>" and
-- "I <channel> <invite>", or {'notfound'}. While the work is pending a
-- re-run answers it again.
local r = cached(KEYS[1])
if r then return r end
local us = ARGV[2]
local user = redis.call('HGET', KEYS[2], us)
if not user then
  local p = redis.call('HGET', KEYS[13], us)
  if p then return {'ok', p} end
  return {'notfound'}
end
local id = cjson.decode(user).Identity
local hex = tohex(id)
local work = {}
for _, f in ipairs(redis.call('ZRANGEBYLEX', KEYS[7], '[' .. us .. '|', '(' .. us .. '}')) do
  local mb = redis.call('HGET', KEYS[6], f)
  if mb then
    if string.sub(mb, 1, 1) == '~' then mb = string.sub(mb, 2) end
    work[#work + 1] = 'M ' .. string.sub(f, #us + 2) .. ' ' .. mb
    redis.call('HDEL', KEYS[6], f)
  end
  redis.call('ZREM', KEYS[7], f)
end
for _, f in ipairs(redis.call('ZRANGEBYLEX', KEYS[9], '[' .. hex .. '|', '(' .. hex .. '}')) do
  local inv = redis.call('HGET', KEYS[8], f)
  if inv then
    work[#work + 1] = 'I ' .. string.sub(f, #hex + 2) .. ' ' .. inv
    redis.call('HDEL', KEYS[8], f)
  end
  redis.call('ZREM', KEYS[9], f)
end
for _, f in ipairs(redis.call('ZRANGEBYLEX', KEYS[12], '[' .. us .. '|', '(' .. us .. '}')) do
  local bs = string.sub(f, #us + 2)
  redis.call('HDEL', KEYS[10], bs)
  redis.call('ZREM', KEYS[11], bs)
  redis.call('ZREM', KEYS[12], f)
end
redis.call('HDEL', KEYS[2], us)
redis.call('HDEL', KEYS[3], us)
redis.call('ZREM', KEYS[4], us)
if redis.call('HGET', KEYS[5], id) == us then redis.call('HDEL', KEYS[5], id) end
local p = table.concat(work, '\n')
redis.call('HSET', KEYS[13], us, p)
return remember(KEYS[1], ARGV[1], {'ok', p})
