-- report-claim: claim one signed provider report (a Twilio status callback) before applying it, so
-- the same signed request sent again later is refused instead of applied again.
-- KEYS[1] the report's claim (keys.twilioReport)
-- ARGV[1] lease in ms: how long the claim holds if its request dies before settling or releasing it
-- Returns "claimed" (apply it, then settle or release the claim), "replayed" (applied before) or
-- "busy" (another request holds the claim and is applying the report now).
local held = redis.call('GET', KEYS[1])
if not held then
  redis.call('SET', KEYS[1], 'pending', 'PX', ARGV[1])
  return 'claimed'
end
if held == 'applied' then
  return 'replayed'
end
return 'busy'
