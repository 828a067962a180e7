-- sweep-forget: remove one delivery from the in-flight index, unless it was indexed again since the
-- sweep read it (a redelivered event wrote `pending` anew while the sweep found no record).
-- KEYS[1] the in-flight index (keys.inflight)
-- ARGV[1] delivery id
-- ARGV[2] the score the sweep read (epoch ms), or "" to remove whatever the score
-- Returns 1 when removed, 0 when absent or indexed again.
if ARGV[2] ~= '' then
  local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
end
return redis.call('ZREM', KEYS[1], ARGV[1])
