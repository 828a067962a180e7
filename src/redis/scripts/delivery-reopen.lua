-- delivery-reopen: give a dead-lettered delivery another try (`herald dlq replay`), never one that
-- was sent, and only one herald itself recorded as dead-lettered or bounced: a letter forged on the
-- DLQ topic names a delivery herald has no such record of, and reopens nothing. The record goes back
-- to `pending` (its attempts kept, `replays` counted), so the retry poller's next attempt takes the
-- send lease as usual and, failing again, dead-letters it again with its attempt count.
-- KEYS[1] deliveries hash of the event (keys.deliveries)
-- ARGV[1] field: "recipientId|channel"
-- ARGV[2] retention of the hash, seconds
-- ARGV[3] now as ISO string
-- Returns { verdict, attempts }: "reopened"; "unknown" (no record: never recorded, or past its
-- retention); "already_sent" (sent or delivered: never again); "skipped" (left out on purpose:
-- opt-out, disabled channel); "in_progress" (pending, sending, deferred or batched: a try is already
-- coming, nothing to do); "not_dead_lettered" (failed before any send, e.g. no address: no letter).
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return { 'unknown', 0 } end
local record = cjson.decode(current)
local attempts = record.attempts or 0
if record.sentAt or record.status == 'sent' or record.status == 'delivered' then return { 'already_sent', attempts } end
if record.status == 'skipped' then return { 'skipped', attempts } end
local progressing = { pending = true, sending = true, deferred = true, batched = true }
if progressing[record.status] then return { 'in_progress', attempts } end
if record.status ~= 'dead-lettered' and record.status ~= 'bounced' then return { 'not_dead_lettered', attempts } end
record.status = 'pending'
record.reason = 'replayed'
record.detail = 'replayed from the DLQ (herald dlq replay)'
record.replays = (record.replays or 0) + 1
record.leaseUntil = nil
record.owner = nil
record.nextAttemptAt = nil
record.updatedAt = ARGV[3]
record.attempts = attempts
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return { 'reopened', attempts }
