-- batch-claim: close a digest window and take all its items into its digest, or resume a digest
-- whose owner's lease expired (or that was postponed until now). This is the window's lock: one
-- owner at a time, with an expiry (the lease) and a fencing token that grows on every takeover.
-- KEYS[1] the window's pending items (keys.batchItems)
-- KEYS[2] the window's arrival order (keys.batchOrder)
-- KEYS[3] the window's claim hash: owner, leaseUntil, token, items (keys.batchClaim)
-- KEYS[4] the window's closed marker (keys.batchClosed)
-- ARGV[1] now, ms since the epoch (caller's clock)
-- ARGV[2] lease, ms
-- ARGV[3] owner (worker id)
-- ARGV[4] how long the closed marker is kept, ms
-- Returns {"busy", leaseUntil} (a live lease holds it), {"empty"} (nothing pending, no claim),
-- or {"new"|"resumed", itemsJson, fencingToken, leaseUntil}.
local now = tonumber(ARGV[1])
local leaseUntil = now + tonumber(ARGV[2])

if redis.call('EXISTS', KEYS[3]) == 1 then
  local open = redis.call('HMGET', KEYS[3], 'leaseUntil', 'items')
  if tonumber(open[1]) > now then
    return {'busy', open[1]}
  end
  -- The previous owner crashed, stalled or postponed: resume the digest unchanged (same id, same
  -- items), so a half-sent digest is completed, never split differently. The new token fences it out.
  local token = redis.call('HINCRBY', KEYS[3], 'token', 1)
  redis.call('HSET', KEYS[3], 'owner', ARGV[3], 'leaseUntil', leaseUntil)
  return {'resumed', open[2], token, leaseUntil}
end

-- Closed from now on: an item racing this flush goes to the next window instead of being stranded.
redis.call('SET', KEYS[4], '1', 'PX', tonumber(ARGV[4]))
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
if #ids == 0 then
  return {'empty'}
end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local items = {}
for _, value in ipairs(values) do
  if value then
    items[#items + 1] = value
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
if #items == 0 then
  return {'empty'}
end
-- Items are stored JSON already; joining them avoids a cjson round trip that could alter numbers.
local itemsJson = '[' .. table.concat(items, ',') .. ']'
redis.call('HSET', KEYS[3], 'owner', ARGV[3], 'leaseUntil', leaseUntil, 'token', 1, 'items', itemsJson)
return {'new', itemsJson, 1, leaseUntil}
