-- retry-claim: take the due retries of one channel for a lease. A claimed retry stays stored with
-- its due time pushed to the end of the lease, so if the claiming worker dies it becomes due again.
-- KEYS[1] due times of the channel's retries (keys.retryDue)
-- KEYS[2] retry items of the channel (keys.retryItems)
-- ARGV[1] now, epoch ms
-- ARGV[2] lease, ms
-- ARGV[3] most retries to claim
-- Returns a flat list { id1, item1, id2, item2, ... }.
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local item = redis.call('HGET', KEYS[2], id)
  if item then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
    out[#out + 1] = id
    out[#out + 1] = item
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
