-- rate-limit-take: take one token from a token bucket shared by every worker.
-- Time comes from the Redis server (TIME), so workers with skewed clocks share one notion of "now".
-- KEYS[1] bucket hash (keys.rateLimit): fields tokens, ts (ms)
-- ARGV[1] refill rate, tokens per second
-- ARGV[2] burst: bucket capacity
-- Returns 0 when a token was taken, else the milliseconds until one is available.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
-- An idle bucket refills completely; keep it only as long as that takes.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
