-- batch-complete: close a window's claim once its digest is sent, if the caller still owns it.
-- KEYS[1] the window's claim hash (keys.batchClaim)
-- ARGV[1] fencing token of the caller's claim
-- Returns 1 when closed, 0 when the claim was taken over (or already closed) meanwhile:
-- a stale owner whose lease ran out must not delete the new owner's claim.
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
