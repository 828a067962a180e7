-- dedup-release: forget a dedup claim, only if the message at `marker` still holds it. Used when a
-- message is dead-lettered after failing the same way again and again (handling_failed): once the
-- cause is fixed, `herald dlq replay` re-publishes it, and the copy must be handled, not dropped as a
-- duplicate of the message that never finished. The send-once ledger still keeps any delivery the
-- failed tries did send from going out twice.
-- KEYS[1] dedup key (keys.dedup)
-- ARGV[1] marker of the message giving up its claim: "topic/partition/offset"
-- Returns 1 when the claim was released, 0 when another message holds it (or none does).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
