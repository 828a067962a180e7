-- batch-postpone: hand a claimed digest back until a later time (the recipient's quiet hours end),
-- if the caller still owns it. Whoever claims the window at or after that time resumes it.
-- KEYS[1] the window's claim hash (keys.batchClaim)
-- ARGV[1] fencing token of the caller's claim
-- ARGV[2] epoch ms from which the digest may be sent
-- Returns 1 when postponed, 0 when the claim was taken over meanwhile.
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'owner', '', 'leaseUntil', ARGV[2])
  return 1
end
return 0
