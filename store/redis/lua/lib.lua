-- lib.lua: helpers prepended to every script (see scripts.go).

-- num formats an integer-valued number without exponent.
local function num(n) return string.format('%d', n) end

-- cached returns the remembered result of the operation whose idempotency
-- key is op, or nil when it has not run yet.
local function cached(op)
  local d = redis.call('GET', op)
  if d then return cjson.decode(d) end
  return nil
end

-- remember stores res under the idempotency key op for ttl milliseconds and
-- returns it. res holds strings only (cjson would round large numbers).
local function remember(op, ttl, res)
  redis.call('SET', op, cjson.encode(res), 'PX', ttl)
  return res
end

-- seqsplit splits a "<seq> <json>" record into its two parts.
local function seqsplit(v)
  local i = string.find(v, ' ', 1, true)
  return string.sub(v, 1, i - 1), string.sub(v, i + 1)
end

-- tohex hex-encodes s (identities inside composite index fields).
local function tohex(s)
  return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end))
end

-- chan reports whether channel hash c exists under service svc.
local function chan(c, svc)
  return redis.call('HGET', c, 'svc') == svc
end

