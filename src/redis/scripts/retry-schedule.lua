-- retry-schedule: store (or replace) one delivery's retry and the time it is due.
-- KEYS[1] due times of the channel's retries (keys.retryDue)
-- KEYS[2] retry items of the channel (keys.retryItems)
-- ARGV[1] delivery id
-- ARGV[2] due time, epoch ms
-- ARGV[3] item JSON
-- Returns 1.
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
