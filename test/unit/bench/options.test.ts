import { parseOptions, SCENARIOS, USAGE } from '../../../bench/options';

describe('npm run bench options', () => {
  it('defaults to every scenario, 3 repeats of 10 s, a backlog of 50,000, no profile', () => {
    expect(parseOptions([])).toEqual({ repeats: 3, seconds: 10, only: [...SCENARIOS], profile: false, backlog: 50_000 });
  });

  it('takes each option, and the scenarios in the order they run', () => {
    expect(parseOptions(['--repeats', '1', '--seconds', '4', '--only', 'priority,dedup', '--backlog', '5000', '--profile'])).toEqual({
      repeats: 1,
      seconds: 4,
      only: ['priority', 'dedup'],
      profile: true,
      backlog: 5000,
    });
  });

  it('refuses a backlog that is not a positive whole number of events, naming the option', () => {
    for (const bad of ['0', '-5', 'many', '']) expect(() => parseOptions([`--backlog=${bad}`])).toThrow(`--backlog must be a positive number, got "${bad}"`);
    expect(() => parseOptions(['--backlog', '2.5'])).toThrow('--backlog is a number of events, a whole number; got "2.5"');
  });

  it('refuses unknown scenarios and options', () => {
    expect(() => parseOptions(['--only', 'priority,latency'])).toThrow(/--only takes a comma-separated list/);
    expect(() => parseOptions(['--backlogs', '5'])).toThrow();
  });

  it('lists every option in the usage line', () => {
    for (const option of ['--repeats', '--seconds', '--only', '--backlog', '--profile']) expect(USAGE).toContain(option);
  });
});
