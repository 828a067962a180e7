/** Waits `ms` milliseconds: the default of every injectable `sleep` (tests pass their own). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
