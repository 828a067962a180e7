--[[
  Records an event's summary once: each field is set only if it is not there yet (first write
  wins, so a redelivery keeps the original receivedAt), and the hash expires with the deliveries.
  One script instead of a pipeline of one HSETNX per field: every event records about nine.

  KEYS[1] notification meta hash (keys.notificationMeta(eventId))

  ARGV[1] time to live, seconds
  ARGV[2..] field, value, field, value…
]]
for i = 2, #ARGV, 2 do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
