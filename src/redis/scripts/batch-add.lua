-- batch-add: put one item into one window of a digest group, once per event id per group.
-- KEYS[1] event ids ever batched in the group, by time (keys.batchSeen)
-- KEYS[2] the window's pending items, eventId -> item JSON (keys.batchItems)
-- KEYS[3] the window's arrival order (keys.batchOrder)
-- KEYS[4] the window's closed marker (keys.batchClosed)
-- ARGV[1] event id
-- ARGV[2] item JSON
-- ARGV[3] now, ms since the epoch (caller's clock)
-- ARGV[4] how long batched event ids are remembered, ms
-- Returns 1 added, 0 already in this window, -1 already batched in another window of the group
-- (a Kafka redelivery: never listed twice), -2 the window is closed (a flush took it; use the next).
-- All keys share the group's hash tag, so the check and the add are one atomic step.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score then
  if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
    return 0
  end
  return -1
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return -2
end
local now = tonumber(ARGV[3])
local retention = tonumber(ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - retention)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], retention)
return 1
