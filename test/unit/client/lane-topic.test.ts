import { laneTopic } from '../../../src/client/lane-topic';
import { DEFAULT_FAST_LANE, PRIORITIES } from '../../../src/contract/vocabulary';
import { parseConfig } from '../../../src/config/load-config';

describe('laneTopic', () => {
  const lanes = { incoming: 'notifications.incoming', bulk: 'notifications.bulk' };

  it('sends critical and high to the incoming topic and normal and low to the bulk topic by default', () => {
    expect(PRIORITIES.map((p) => laneTopic(p, lanes))).toEqual([
      'notifications.incoming',
      'notifications.incoming',
      'notifications.bulk',
      'notifications.bulk',
    ]);
  });

  it("follows the fast lane it is given, as the workers' kafka.fastLane would", () => {
    expect(PRIORITIES.map((p) => laneTopic(p, { ...lanes, fastLane: ['critical'] }))).toEqual([
      'notifications.incoming',
      'notifications.bulk',
      'notifications.bulk',
      'notifications.bulk',
    ]);
  });

  it('sends every priority to the incoming topic when there is no bulk topic (intake forwards them)', () => {
    expect(PRIORITIES.map((p) => laneTopic(p, { incoming: 'in' }))).toEqual(['in', 'in', 'in', 'in']);
  });

  it("uses the workers' own default fast lane", () => {
    expect(parseConfig({}, 'test').kafka.fastLane).toEqual([...DEFAULT_FAST_LANE]);
  });
});
