-- hsteal.lua: replaces a hash field only if it still holds the expected
-- value. KEYS[1] hash. ARGV: field, expected, new. Returns 1 or 0.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
