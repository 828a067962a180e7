/**
 * The resolvable offset of a batch whose messages finish out of order. Intake handles fast-lane
 * messages and forwards bulk ones side by side, so message 7 may be done before message 3; kafkajs
 * commits whatever offset was resolved last, so only the end of the run of finished messages from
 * the start of the batch may be resolved, or a crash would skip message 3.
 */
export function createInOrderOffsets(offsets: readonly string[]) {
  const done = new Array<boolean>(offsets.length).fill(false);
  let next = 0;
  return {
    /** Marks message `index` of the batch done; returns the offset that may now be resolved, if it moved. */
    complete(index: number): string | undefined {
      done[index] = true;
      const before = next;
      while (next < done.length && done[next]) next++;
      return next > before ? offsets[next - 1] : undefined;
    },
    /** How many messages from the start of the batch are done without a gap. */
    settled: () => next,
  };
}
