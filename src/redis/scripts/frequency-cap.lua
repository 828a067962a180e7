-- frequency-cap: count one event against every frequency cap that applies to it for one recipient,
-- all or nothing, once per event id. Each cap is a sliding window: a sorted set of event ids by the
-- time they were counted.
-- KEYS[1..n] one sorted set per matching cap (keys.frequencyCap, all on the recipient's hash tag)
-- ARGV[1] now, epoch ms (caller's clock)
-- ARGV[2] event id
-- ARGV[3 + 2(i-1)] window of cap i, ms
-- ARGV[4 + 2(i-1)] max of cap i
-- Returns { 1 } when counted now, { 2 } when already counted in every cap (a retry, a redelivery or
-- the same event on another channel never counts twice), { 0, i, count } when cap i (1-based, the
-- first full one) has no room: nothing is added anywhere.
local now = tonumber(ARGV[1])
local id = ARGV[2]
local counted = true
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[1 + 2 * i])
  -- Members older than the window fall out; one counted exactly `window` ago still counts.
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (now - window))
  if not redis.call('ZSCORE', key, id) then counted = false end
end
if counted then return { 2 } end
for i, key in ipairs(KEYS) do
  local max = tonumber(ARGV[2 + 2 * i])
  local count = redis.call('ZCARD', key)
  local others = count
  if redis.call('ZSCORE', key, id) then others = count - 1 end
  if others >= max then return { 0, i, count } end
end
for i, key in ipairs(KEYS) do
  -- NX: a cap that already counted this event keeps the time it was first counted.
  redis.call('ZADD', key, 'NX', now, id)
  redis.call('PEXPIRE', key, tonumber(ARGV[1 + 2 * i]))
end
return { 1 }
