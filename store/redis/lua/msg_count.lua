-- msg_count.lua (read, channel slot): messages with an index above
-- ARGV[2] (all when negative). KEYS[1] channel hash, KEYS[2] index zset.
-- ARGV: svc, index. Returns nil for a missing channel.
if not chan(KEYS[1], ARGV[1]) then return false end
if tonumber(ARGV[2]) < 0 then return redis.call('ZCARD', KEYS[2]) end
return redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[2], '+inf')
