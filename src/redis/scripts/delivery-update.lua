-- delivery-update: merge fields into one delivery record. A record already `sent` is never
-- moved back to another status, so a late or repeated update cannot undo a send.
-- KEYS[1] deliveries hash of the event (keys.deliveries)
-- ARGV[1] field: "recipientId|channel"
-- ARGV[2] patch JSON (status and any other fields; "leaseUntil" is cleared)
-- ARGV[3] retention of the hash, seconds
-- Returns 1 when written, 0 when the record was already sent and the patch is not.
local current = redis.call('HGET', KEYS[1], ARGV[1])
local patch = cjson.decode(ARGV[2])
local record = {}
if current then
  record = cjson.decode(current)
  if record.status == 'sent' and patch.status ~= 'sent' then return 0 end
end
for k, v in pairs(patch) do record[k] = v end
record.leaseUntil = nil
if record.attempts == nil then record.attempts = 0 end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
