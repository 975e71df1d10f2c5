-- channel_delete.lua (channel slot): deletes every key of a channel at
-- once. KEYS[1] idempotency key, KEYS[2] channel hash, KEYS[3] members
-- hash, KEYS[4] invite identity index, KEYS[5..] the other keys.
-- ARGV: ttl, svc, mode ('delete' | 'purge').
-- 'delete' advances the seq first and returns {'ok', {HGETALL}, {member
-- records}, {invited identities}}: what the caller needs to fix the
-- service-side indexes. 'purge' (DeleteService) returns {'ok'}.
local r = cached(KEYS[1])
if r then return r end
if not chan(KEYS[2], ARGV[2]) then return {'notfound'} end
local res = {'ok'}
if ARGV[3] == 'delete' then
  redis.call('HINCRBY', KEYS[2], 'seq', 1)
  res = {'ok', redis.call('HGETALL', KEYS[2]), redis.call('HVALS', KEYS[3]), redis.call('HKEYS', KEYS[4])}
end
for i = 2, #KEYS do redis.call('UNLINK', KEYS[i]) end
if ARGV[3] == 'delete' then return remember(KEYS[1], ARGV[1], res) end
return res
