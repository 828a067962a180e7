/**
 * Progress of a long operation on stderr (stdout stays clean for tables and `--json`), at most
 * every `everyMs`, plus a final line. Pass `quiet` to print nothing.
 */
export function createProgress(options: { label: string; total?: number; everyMs?: number; quiet?: boolean; write?: (line: string) => void }) {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const everyMs = options.everyMs ?? 500;
  let last = 0;
  let total = options.total;
  const text = (done: number) => `${options.label}: ${done}${total === undefined ? '' : `/${total}`}`;
  return {
    /** Sets the total once it is known. */
    setTotal(n: number) {
      total = n;
    },
    /** Reports `done` so far (printed when `everyMs` passed since the last line). */
    tick(done: number) {
      const now = Date.now();
      if (options.quiet || now - last < everyMs) return;
      last = now;
      write(`${text(done)}…`);
    },
    /** The final count. */
    done(done: number, suffix = '') {
      if (!options.quiet) write(`${text(done)}${suffix}`);
    },
  };
}
