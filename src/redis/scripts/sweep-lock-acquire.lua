-- sweep-lock-acquire: take a named lock for one worker, with a fencing token, unless another holds it.
-- The token comes from a counter that never expires, so every acquisition gets a higher one than
-- the last: a stalled holder whose lock expired is told apart from the next holder by its token.
-- KEYS[1] the lock (keys.lock)
-- KEYS[2] its token counter (keys.lockToken)
-- ARGV[1] owner: the worker taking it (for on-call, shown in the stored value)
-- ARGV[2] time to live, ms
-- Returns the token, or false when the lock is held.
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. '|' .. ARGV[1], 'NX', 'PX', ARGV[2])
return token
