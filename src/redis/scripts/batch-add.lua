-- batch-add: put one item into a recipient+channel batch, once per event id.
-- KEYS[1] pending items, eventId -> item JSON (keys.batchItems)
-- KEYS[2] arrival order, eventId by arrival ms (keys.batchOrder)
-- KEYS[3] event ids already taken into a digest (keys.batchClaimed)
-- ARGV[1] event id
-- ARGV[2] item JSON
-- ARGV[3] arrival time, ms since the epoch (caller's clock)
-- Returns 1 when added, 0 when already pending, -1 when already taken into a digest.
-- Checking the claimed set too means a Kafka redelivery after a flush does not batch the item again.
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return -1
end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
return 1
