-- dedup-claim: decide whether a Kafka message carries a new event, a redelivery of the
-- message we already started, or a duplicate of an event produced again.
-- KEYS[1] dedup key (keys.dedup)
-- ARGV[1] marker of this message: "topic/partition/offset"
-- ARGV[2] time to live in ms
-- Returns "new", "redelivery" or "duplicate".
local seen = redis.call('GET', KEYS[1])
if not seen then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'new'
end
if seen == ARGV[1] then
  return 'redelivery'
end
return 'duplicate'
