-- batch-complete: close a batch's open claim once its digest is sent, if the caller still owns it.
-- KEYS[1] open claim hash (keys.batchClaim)
-- KEYS[2] arrival order (keys.batchOrder)
-- ARGV[1] digest id of the caller's claim
-- ARGV[2] fencing token of the caller's claim
-- Returns {closed (1|0), pending item count, claim still open (1|0)}.
-- Both the digest id and the token must match: a stale owner whose lease was taken over, or whose
-- digest was already closed and followed by a new one, must not delete someone else's claim.
local open = redis.call('HMGET', KEYS[1], 'digestId', 'token')
local closed = 0
if open[1] == ARGV[1] and open[2] == ARGV[2] then
  redis.call('DEL', KEYS[1])
  closed = 1
end
return {closed, redis.call('ZCARD', KEYS[2]), redis.call('EXISTS', KEYS[1])}
