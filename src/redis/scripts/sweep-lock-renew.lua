-- sweep-lock-renew: extend a named lock, only while the caller's token still holds it (a holder
-- whose lock expired and was taken by another cannot extend the new holder's).
-- KEYS[1] the lock (keys.lock)
-- ARGV[1] the caller's token
-- ARGV[2] new time to live, ms
-- Returns 1 when extended, 0 when the caller no longer holds the lock.
local held = redis.call('GET', KEYS[1])
if not held or tonumber(string.match(held, '^(%d+)|')) ~= tonumber(ARGV[1]) then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
