-- delivery-begin: take the send lease of one delivery, unless it was already sent or another
-- worker holds a live lease. This is the send-once ledger. A live lease of the same owner is taken
-- over: the caller guarantees (in memory) that its own earlier attempt is over, e.g. it ended while
-- Redis was unreachable and could not record its outcome.
-- KEYS[1] deliveries hash of the event (keys.deliveries)
-- ARGV[1] field: "recipientId|channel"
-- ARGV[2] now, epoch ms
-- ARGV[3] lease length, ms
-- ARGV[4] base record JSON (recipientId, channel, provider) used when the field is new
-- ARGV[5] retention of the hash, seconds
-- ARGV[6] now as ISO string
-- ARGV[7] owner: the worker process taking the lease
-- Returns { verdict, attempts, leaseUntil } with verdict "acquired", "already_sent", "settled" (it
-- ended for good without a send: dead-lettered, bounced, failed, skipped; a late retry must not
-- revive it) or "in_flight".
local current = redis.call('HGET', KEYS[1], ARGV[1])
local record
if current then
  record = cjson.decode(current)
  if record.sentAt or record.status == 'sent' then return { 'already_sent', record.attempts or 0 } end
  local settled = { ['dead-lettered'] = true, bounced = true, failed = true, skipped = true }
  if settled[record.status] then return { 'settled', record.attempts or 0 } end
  if record.status == 'sending' and tonumber(record.leaseUntil or 0) > tonumber(ARGV[2]) and record.owner ~= ARGV[7] then
    return { 'in_flight', record.attempts or 0, tonumber(record.leaseUntil) }
  end
else
  record = cjson.decode(ARGV[4])
  record.attempts = 0
end
local base = cjson.decode(ARGV[4])
record.provider = base.provider
record.status = 'sending'
record.attempts = (record.attempts or 0) + 1
record.leaseUntil = tonumber(ARGV[2]) + tonumber(ARGV[3])
record.owner = ARGV[7]
record.updatedAt = ARGV[6]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return { 'acquired', record.attempts, record.leaseUntil }
