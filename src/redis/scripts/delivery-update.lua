-- delivery-update: merge fields into one delivery record, refusing changes that would rewrite history:
--   * `pending` is written only for a delivery with no record yet (a redelivered event keeps its state);
--   * once sent (`sentAt` set) only `sent`, then one provider report (`delivered`/`failed`/`bounced`,
--     flagged by ARGV[4]) may follow, so a late pipeline update can never undo a send;
--   * a provider report after a send is final (a repeated or out-of-order callback is a no-op).
-- KEYS[1] deliveries hash of the event (keys.deliveries)
-- ARGV[1] field: "recipientId|channel"
-- ARGV[2] patch JSON (status, updatedAt and any other fields; the lease, "leaseUntil" and "owner", is cleared)
-- ARGV[3] retention of the hash, seconds
-- ARGV[4] "1" when the patch is the provider's report on a sent message (callback, receiver confirmation)
-- ARGV[5] now, epoch ms
-- ARGV[6] owner: the worker process writing
-- ARGV[7] optional: a provider report patch JSON applied right after this one, in the same call (a
--         receiver that confirms at once: the in-app inbox is `sent` and `delivered` in one write)
-- Returns the written record as JSON, false when the change was refused, or "leased" when another
-- worker holds a live send lease: only that worker may end it. (A worker whose own breaker was open
-- wrote `deferred` over it, which ended the lease, and its retry then sent the message a second
-- time while the first send was still under way: found by the chaos run on a Redis Cluster.)
local current = redis.call('HGET', KEYS[1], ARGV[1])
local patch = cjson.decode(ARGV[2])
local record = {}
local after_send = { delivered = true, failed = true, bounced = true }
if current then
  if patch.status == 'pending' then return false end
  record = cjson.decode(current)
  if record.status == 'sending' and record.owner ~= ARGV[6] and tonumber(record.leaseUntil or 0) > tonumber(ARGV[5]) then
    return 'leased'
  end
  if record.sentAt then
    if after_send[record.status] then return false end
    local report = ARGV[4] == '1' and after_send[patch.status]
    if patch.status ~= 'sent' and not report then return false end
  end
end
for k, v in pairs(patch) do record[k] = v end
record.leaseUntil = nil
record.owner = nil
-- deferred: the next attempt; batched: when its digest window closes.
if patch.status ~= 'deferred' and patch.status ~= 'batched' then record.nextAttemptAt = nil end
if patch.status == 'sent' and not record.sentAt then record.sentAt = patch.updatedAt end
if record.attempts == nil then record.attempts = 0 end
-- The report follows the rules above: only after a send, and only one.
if ARGV[7] and ARGV[7] ~= '' and record.sentAt and not after_send[record.status] then
  local report = cjson.decode(ARGV[7])
  if after_send[report.status] then
    for k, v in pairs(report) do record[k] = v end
    record.nextAttemptAt = nil
  end
end
local encoded = cjson.encode(record)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return encoded
