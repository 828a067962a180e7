-- sweep-lock-release: drop a named lock, only while the caller's token still holds it (a holder
-- whose lock expired and was taken by another cannot release the new holder's).
-- KEYS[1] the lock (keys.lock)
-- ARGV[1] the caller's token
-- Returns 1 when released, 0 when the caller no longer held the lock.
local held = redis.call('GET', KEYS[1])
if not held or tonumber(string.match(held, '^(%d+)|')) ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
