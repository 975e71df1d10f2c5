-- service_delete.lua (service slot): step 1 of DeleteService. Deletes every
-- key of the service's slot at once and leaves a tombstone listing its
-- channels, whose slots the caller then clears.
-- KEYS[1] idempotency key, KEYS[2] service hash, KEYS[3] tombstone,
-- KEYS[4] channels zset, KEYS[5..] the other keys of the slot. ARGV: ttl.
-- Returns {'ok', channel SIDs separated by spaces} or {'notfound'}; a
-- delete already under way (tombstone present) answers 'ok' again, so that
-- a re-run finishes it.
local r = cached(KEYS[1])
if r then return r end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local t = redis.call('GET', KEYS[3])
  if t then return {'ok', t} end
  return {'notfound'}
end
local chans = table.concat(redis.call('ZRANGE', KEYS[4], 0, -1), ' ')
for i = 2, #KEYS do
  if i ~= 3 then redis.call('UNLINK', KEYS[i]) end
end
redis.call('SET', KEYS[3], chans)
return remember(KEYS[1], ARGV[1], {'ok', chans})
