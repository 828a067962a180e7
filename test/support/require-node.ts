import { nodeVersionProblem } from '../../src/shared/node-version';

/**
 * Jest's first step, before any project's setup: one clear line and exit on a Node too old for
 * herald (src/shared/node-version.ts), instead of every test failing on a missing API.
 */
export default function requireNode(): void {
  const problem = nodeVersionProblem();
  if (problem === null) return;
  console.error(problem);
  process.exit(1);
}
