-- report-release: give back the claim of a report that could not be applied, so the provider's
-- retry of the same report is applied; a claim settled meanwhile (the report applied) is kept.
-- KEYS[1] the report's claim (keys.twilioReport)
-- Returns 1 when released, 0 when the claim was settled or is gone.
if redis.call('GET', KEYS[1]) ~= 'pending' then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
