-- schedule-cancel: cancel a scheduled event that has not started firing. Claim and cancel are both
-- scripts on the same slot, so an event is either claimed or cancelled, never both.
-- KEYS[1] due times of scheduled events (keys.scheduleDue)
-- KEYS[2] scheduled items (keys.scheduleItems)
-- KEYS[3] state of this event (keys.scheduleState)
-- ARGV[1] event id
-- ARGV[2] retention of the state, ms
-- Returns "cancelled" when it was scheduled and now is not; otherwise, unchanged:
-- "already_cancelled", "firing" (too late: a worker is firing it), "fired" or "unknown".
local state = redis.call('GET', KEYS[3])
if state == 'cancelled' then return 'already_cancelled' end
if state == 'firing' or state == 'fired' then return state end
if state ~= 'scheduled' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 'unknown' end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], 'cancelled', 'PX', tonumber(ARGV[2]))
return 'cancelled'
