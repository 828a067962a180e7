-- schedule-add: hold one event until its due time, once per event id.
-- KEYS[1] due times of scheduled events (keys.scheduleDue)
-- KEYS[2] scheduled items, eventId -> JSON { event, dueAt, scheduledAt } (keys.scheduleItems)
-- KEYS[3] state of this event (keys.scheduleState)
-- ARGV[1] event id
-- ARGV[2] due time, epoch ms
-- ARGV[3] item JSON
-- ARGV[4] now, epoch ms (caller's clock)
-- ARGV[5] retention of the state after its last transition, ms
-- Returns "scheduled" when stored, "exists" when already scheduled or being fired, "cancelled" or
-- "fired" when it was cancelled or already fired: a Kafka redelivery must not bring it back.
local state = redis.call('GET', KEYS[3])
if state == 'cancelled' or state == 'fired' then return state end
if state == 'scheduled' or state == 'firing' or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 'exists'
end
local due = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], due, ARGV[1])
-- The state outlives the due time: an event held for months keeps it until then, plus retention.
redis.call('SET', KEYS[3], 'scheduled', 'PX', math.max(due - now, 0) + tonumber(ARGV[5]))
return 'scheduled'
