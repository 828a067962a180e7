-- retry-schedule: store (or replace) one delivery's retry and the time it is due.
-- KEYS[1] due times of the channel's retries (keys.retryDue)
-- KEYS[2] retry items of the channel (keys.retryItems)
-- ARGV[1] delivery id
-- ARGV[2] due time, epoch ms
-- ARGV[3] item JSON
-- ARGV[4] "nx": only when no retry of this delivery is stored yet (a safety net must not replace a real retry)
-- Returns 1 when stored, 0 when "nx" found one already.
if ARGV[4] == 'nx' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
