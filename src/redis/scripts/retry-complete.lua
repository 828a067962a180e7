-- retry-complete: forget a retry that reached a final outcome (sent, dead-lettered, failed).
-- KEYS[1] due times of the channel's retries (keys.retryDue)
-- KEYS[2] retry items of the channel (keys.retryItems)
-- ARGV[1] delivery id
-- Returns 1 when it was stored, 0 otherwise.
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('HDEL', KEYS[2], ARGV[1])
