/** `1 attempt`, `3 attempts`: a count and its noun, in the plural unless it is one. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
