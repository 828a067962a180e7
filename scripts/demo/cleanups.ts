/** One thing to undo on exit. */
interface Step {
  what: string;
  run: () => Promise<void>;
}

/** What must be undone on exit (normal end, failure or Ctrl-C), run newest first like nested `finally` blocks. */
export interface Cleanups {
  /** Registers a step; returns a function that unregisters it. */
  add(what: string, run: () => Promise<void>): () => void;
  /** Runs every step once, newest first; a step that fails or hangs is reported and the others still run. */
  runAll(): Promise<void>;
}

/** Builds an empty {@link Cleanups}; each step gets `timeoutMs` before the next one runs anyway. */
export function createCleanups(timeoutMs = 20_000): Cleanups {
  const steps: Step[] = [];
  return {
    add(what, run) {
      const step = { what, run };
      steps.push(step);
      return () => {
        const index = steps.indexOf(step);
        if (index >= 0) steps.splice(index, 1);
      };
    },
    async runAll() {
      for (let step = steps.pop(); step; step = steps.pop()) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no result after ${timeoutMs / 1000}s`)), timeoutMs)));
        try {
          await Promise.race([step.run(), timeout]);
        } catch (error) {
          console.error(`  could not ${step.what}: ${(error as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }
    },
  };
}
