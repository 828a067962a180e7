--[[
  Adds one entry at the head of a user's in-app inbox, once per delivery id, and keeps the
  inbox to its cap (oldest entries dropped).

  KEYS[1] inbox list             (keys.inbox(userId)), newest first
  KEYS[2] delivered-ids zset     (keys.inboxDelivered(userId)), delivery id -> ms pushed

  ARGV[1] delivery id
  ARGV[2] entry JSON
  ARGV[3] inbox cap (entries kept)
  ARGV[4] now, epoch ms
  ARGV[5] how long a delivery id is remembered, ms

  Returns 1 when the entry was added, 0 when this delivery id was already delivered.
]]
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 0
end

local now = tonumber(ARGV[4])
local retention = tonumber(ARGV[5])

redis.call('LPUSH', KEYS[1], ARGV[2])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)

-- The ids outlive the entries the cap drops, so a late retry of an old delivery stays a no-op.
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - retention)
redis.call('PEXPIRE', KEYS[2], retention)
return 1
