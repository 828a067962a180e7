import type { z } from 'zod';

/** One thing wrong in a config file: where, what, and how to fix it. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `channels.email.maxAttempts`, or `(root)`. */
  path: string;
  /** What is wrong. */
  problem: string;
  /** What to change. Empty when `problem` already says it (herald's own checks end with the fix). */
  fix: string;
}

type Issue = z.core.$ZodIssue;

const pathOf = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join('.') : '(root)');

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** The fix zod's own messages leave out ("Invalid input: expected number, received string"). */
function fixOf(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      // zod leaves the input out of issues unless asked; its message says whether the field was missing.
      return /received undefined/.test(issue.message) ? `the field is required: add it (${article(issue.expected)})` : `set it to ${article(issue.expected)}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `give it at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'entries' : 'characters'}`
        : `use a value ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `give it at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'entries' : 'characters'}`
        : `use a value ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'not_multiple_of':
      return `use a multiple of ${String(issue.divisor)}`;
    case 'invalid_key':
      return 'rename the key';
    default:
      return 'see docs/configuration.md for the field and its default';
  }
}

/** zod's union message says nothing; the branch with the fewest issues is the one the author meant. */
function closestBranch(issue: Extract<Issue, { code: 'invalid_union' }>): Issue[] | null {
  const branches = issue.errors.filter((b) => b.length > 0);
  if (branches.length === 0) return null;
  return branches.reduce((best, b) => (b.length < best.length ? b : best));
}

/**
 * Turns zod issues into problems a person editing the config can act on: one per field (an unknown
 * key is reported at its own path), each with the fix. herald's own checks already end their
 * message with the fix ("…; remove it or allow batching"), so they get no second one.
 */
export function configProblemsOf(issues: readonly Issue[], base: readonly PropertyKey[] = []): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const at = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: pathOf([...at, key]), problem: `unknown field "${key}"`, fix: 'remove it or check its spelling' }));
    }
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      // zod's own message ("Invalid key in record") hides why: the key's issues say it (too long, not a locale tag).
      return [{ path: pathOf(at), problem: `invalid key: ${issue.issues.map((i) => i.message).join('; ')}`, fix: 'rename the key' }];
    }
    if (issue.code === 'invalid_union') {
      const branch = closestBranch(issue);
      if (branch) return configProblemsOf(branch, at);
    }
    const custom = issue.code === 'custom' || issue.code === 'invalid_format' || (!issue.message.startsWith('Invalid') && !issue.message.startsWith('Too '));
    return [{ path: pathOf(at), problem: issue.message, fix: custom ? '' : fixOf(issue) }];
  });
}

/** One problem as a line (two when the fix is separate): `  path: problem` and `    fix: …`. */
export function formatConfigProblem(p: ConfigProblem): string {
  return p.fix ? `  ${p.path}: ${p.problem}\n    fix: ${p.fix}` : `  ${p.path}: ${p.problem}`;
}
