/**
 * Runs a kafkajs admin call again while it fails with a retriable error, for up to `timeoutMs`.
 * A broker the demo has just started is still electing partition leaders and loading its group
 * coordinator for a few seconds; kafkajs admin calls report that (NOT_LEADER, COORDINATOR_LOAD_IN_PROGRESS)
 * instead of waiting it out.
 */
export async function retryKafka<T>(call: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
