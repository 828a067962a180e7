-- delivery-reopen: give a dead-lettered delivery another try (`herald dlq replay`), never one that
-- was sent. The record goes back to `pending` (its attempts kept, `replays` counted), so the retry
-- poller's next attempt takes the send lease as usual and, failing again, dead-letters it again with
-- its attempt count.
-- KEYS[1] deliveries hash of the event (keys.deliveries)
-- ARGV[1] field: "recipientId|channel"
-- ARGV[2] base record JSON (recipientId, channel, attempts) used when the record expired
-- ARGV[3] retention of the hash, seconds
-- ARGV[4] now as ISO string
-- Returns { verdict, attempts }: "reopened"; "already_sent" (sent or delivered: never again);
-- "skipped" (left out on purpose: opt-out, disabled channel); "in_progress" (pending, sending,
-- deferred or batched: a try is already coming, nothing to do).
local current = redis.call('HGET', KEYS[1], ARGV[1])
local record
if current then
  record = cjson.decode(current)
  if record.sentAt or record.status == 'sent' or record.status == 'delivered' then return { 'already_sent', record.attempts or 0 } end
  if record.status == 'skipped' then return { 'skipped', record.attempts or 0 } end
  local ended = { ['dead-lettered'] = true, bounced = true, failed = true }
  if not ended[record.status] then return { 'in_progress', record.attempts or 0 } end
else
  -- Past its retention: the dead letter itself says it was never sent.
  record = cjson.decode(ARGV[2])
end
record.status = 'pending'
record.reason = 'replayed'
record.detail = 'replayed from the DLQ (herald dlq replay)'
record.replays = (record.replays or 0) + 1
record.leaseUntil = nil
record.owner = nil
record.nextAttemptAt = nil
record.updatedAt = ARGV[4]
if record.attempts == nil then record.attempts = 0 end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return { 'reopened', record.attempts }
