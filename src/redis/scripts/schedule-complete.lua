-- schedule-complete: forget a scheduled event that was fired, and remember that it was.
-- KEYS[1] due times of scheduled events (keys.scheduleDue)
-- KEYS[2] scheduled items (keys.scheduleItems)
-- KEYS[3] state of this event (keys.scheduleState)
-- ARGV[1] event id
-- ARGV[2] retention of the state, ms
-- Returns 1 when the event was stored, 0 when it was not (another worker that resumed it after
-- this one's lease ran out completed it first).
redis.call('ZREM', KEYS[1], ARGV[1])
local removed = redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], 'fired', 'PX', tonumber(ARGV[2]))
return removed
