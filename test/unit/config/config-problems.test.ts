import { configProblemsOf } from '../../../src/config/config-problems';
import { configProblems } from '../../../src/service/load-config';

/** The problems of a config object, as `herald config check` and start-up report them. */
const problemsOf = (raw: unknown) => configProblems(raw).problems;

describe('configProblems', () => {
  it('accepts an empty config (every field has a default)', () => {
    const { config, problems } = configProblems({});
    expect(problems).toEqual([]);
    expect(config?.kafka.topics.incoming).toBe('notifications.incoming');
  });

  it('gives each zod problem its path and a fix', () => {
    const problems = problemsOf({ kafka: { partitions: 0 }, dedup: { ttlSeconds: 'a day' }, channels: { email: { strategy: 'random' } } });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'kafka.partitions', problem: expect.stringMatching(/^Too small/), fix: 'use a value > 0' },
        { path: 'dedup.ttlSeconds', problem: expect.stringMatching(/expected number/), fix: 'set it to a number' },
        { path: 'channels.email.strategy', problem: expect.any(String), fix: expect.stringMatching(/^use one of: "fallback", /) },
      ]),
    );
  });

  it('says when a required field is missing', () => {
    const problems = problemsOf({ frequencyCaps: [{ name: 'daily', window: '1d' }] });
    expect(problems).toContainEqual({
      path: 'frequencyCaps.0.max',
      problem: expect.stringMatching(/received undefined/),
      fix: 'the field is required: add it (a number)',
    });
  });

  it('reports each unknown key at its own path', () => {
    expect(problemsOf({ kafka: { topcis: {} }, colour: 'blue' })).toEqual(
      expect.arrayContaining([
        { path: 'kafka.topcis', problem: 'unknown field "topcis"', fix: 'remove it or check its spelling' },
        { path: 'colour', problem: 'unknown field "colour"', fix: 'remove it or check its spelling' },
      ]),
    );
  });

  it("keeps herald's own messages, which already say what to do, without a second fix", () => {
    const [problem] = problemsOf({ batching: { schedule: 'every five minutes' } });
    expect(problem).toEqual({ path: 'batching.schedule', problem: expect.stringContaining('use five fields like "*/5 * * * *"'), fix: '' });
  });

  it('reports broken templates after the schema passes, each at its config path', () => {
    const problems = problemsOf({ templates: { welcome: { email: { subject: '{{#if x}}Hi', text: 'ok' } } } });
    expect(problems).toEqual([{ path: 'templates.welcome.email.subject', problem: expect.stringContaining('does not compile'), fix: '' }]);
  });

  it('points a problem it has no fix for at the reference of every field', () => {
    // A union none of whose branches says anything: zod's "Invalid input" alone.
    const [problem] = configProblemsOf([{ code: 'invalid_union', errors: [], path: ['batching', 'rules', 0, 'window'], message: 'Invalid input', input: 5 }]);
    expect(problem).toEqual({ path: 'batching.rules.0.window', problem: 'Invalid input', fix: 'see docs/configuration.md for the field and its default' });
  });
});
