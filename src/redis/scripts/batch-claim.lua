-- batch-claim: take a batch's oldest pending items into one digest, or resume an abandoned one.
-- KEYS[1] pending items (keys.batchItems)
-- KEYS[2] arrival order (keys.batchOrder)
-- KEYS[3] open claim hash: digestId, owner, leaseUntil, token, items (keys.batchClaim)
-- KEYS[4] digest sequence counter (keys.batchSeq)
-- KEYS[5] event ids already taken into a digest (keys.batchClaimed)
-- ARGV[1] now, ms since the epoch (caller's clock)
-- ARGV[2] lease, ms
-- ARGV[3] most items in the digest
-- ARGV[4] owner (worker id)
-- ARGV[5] batch id, the digest id prefix
-- ARGV[6] how long claimed event ids are remembered, ms
-- Returns {"busy"} (a live lease holds the batch), {"empty"} (nothing pending, no claim),
-- or {"new"|"resumed", digestId, itemsJson, fencingToken}.
local now = tonumber(ARGV[1])
local leaseUntil = now + tonumber(ARGV[2])

if redis.call('EXISTS', KEYS[3]) == 1 then
  local open = redis.call('HMGET', KEYS[3], 'digestId', 'leaseUntil', 'items')
  if tonumber(open[2]) > now then
    return {'busy'}
  end
  -- The previous owner crashed or stalled: resume its digest unchanged (same id, same items),
  -- so a half-sent digest is completed, never split or re-numbered. The new token fences it out.
  local token = redis.call('HINCRBY', KEYS[3], 'token', 1)
  redis.call('HSET', KEYS[3], 'owner', ARGV[4], 'leaseUntil', leaseUntil)
  return {'resumed', open[1], open[3], token}
end

local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[3]) - 1)
if #ids == 0 then
  return {'empty'}
end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local items = {}
local remembered = {}
for i, value in ipairs(values) do
  if value then
    items[#items + 1] = value
  end
  remembered[#remembered + 1] = now
  remembered[#remembered + 1] = ids[i]
end
redis.call('HDEL', KEYS[1], unpack(ids))
redis.call('ZREM', KEYS[2], unpack(ids))
if #items == 0 then
  return {'empty'}
end

local retention = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - retention)
redis.call('ZADD', KEYS[5], unpack(remembered))
redis.call('PEXPIRE', KEYS[5], retention)

local digestId = ARGV[5] .. '#' .. redis.call('INCR', KEYS[4])
-- Items are stored JSON already; joining them avoids a cjson round trip that could alter numbers.
local itemsJson = '[' .. table.concat(items, ',') .. ']'
redis.call('HSET', KEYS[3], 'digestId', digestId, 'owner', ARGV[4], 'leaseUntil', leaseUntil, 'token', 1, 'items', itemsJson)
return {'new', digestId, itemsJson, 1}
