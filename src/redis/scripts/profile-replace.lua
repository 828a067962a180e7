--[[
  Compare-and-set of a user profile: replaces it only if it still holds exactly what the
  caller read, so an edit computed in TypeScript (removing push tokens) never overwrites a
  concurrent change. The JSON is edited by the caller, not here: Redis's cjson would turn an
  empty pushTokens array into {} and reorder keys.

  KEYS[1] profile string  (keys.user(userId))

  ARGV[1] the profile JSON the caller read
  ARGV[2] the new profile JSON

  Returns 1 when replaced, 0 when the profile changed (or vanished) since it was read.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
