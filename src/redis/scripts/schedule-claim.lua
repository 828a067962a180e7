-- schedule-claim: take the due scheduled events for a lease, to fire them. A claimed event stays
-- stored with its score pushed to the end of the lease, so if the claiming worker dies before
-- completing it, it becomes due again and another worker resumes it.
-- KEYS[1] due times of scheduled events (keys.scheduleDue)
-- KEYS[2] scheduled items (keys.scheduleItems)
-- ARGV[1] now, epoch ms (caller's clock)
-- ARGV[2] lease, ms
-- ARGV[3] most events to claim
-- ARGV[4] state key of the empty event id (keys.scheduleState('')): the script appends each id.
--         The state keys share KEYS[1]'s hash tag, so they live on the same cluster slot.
-- ARGV[5] retention of the state after its last transition, ms
-- Returns a flat list { id1, item1, resumed1, id2, item2, resumed2, ... }; resumed is 1 when the
-- event was already claimed once and that lease ran out.
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local item = redis.call('HGET', KEYS[2], id)
  local stateKey = ARGV[4] .. id
  local state = redis.call('GET', stateKey)
  if not item or state == 'cancelled' or state == 'fired' then
    -- Nothing left to fire (cancel and complete remove both; this only tidies a half-removed entry).
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
  else
    redis.call('ZADD', KEYS[1], now + lease, id)
    redis.call('SET', stateKey, 'firing', 'PX', lease + tonumber(ARGV[5]))
    out[#out + 1] = id
    out[#out + 1] = item
    out[#out + 1] = state == 'firing' and 1 or 0
  end
end
return out
