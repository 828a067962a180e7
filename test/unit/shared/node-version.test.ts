import { nodeVersionProblem, REQUIRED_NODE_MAJOR } from '../../../src/shared/node-version';

describe('nodeVersionProblem', () => {
  it('accepts Node 24 and later', () => {
    expect(REQUIRED_NODE_MAJOR).toBe(24);
    for (const version of ['24.0.0', '24.22.3', '25.1.0', '30.0.0']) expect(nodeVersionProblem(version)).toBeNull();
  });

  it('refuses an older Node with one line that names both versions and what to do', () => {
    const line = nodeVersionProblem('20.20.2');
    expect(line).toMatch(/^herald needs Node >= 24; found 20\.20\.2\. /);
    expect(line).toContain('npm ci');
    expect(line).toContain('nvm install 24');
    expect(line).not.toContain('\n');
    expect(nodeVersionProblem('23.11.0')).toMatch(/found 23\.11\.0/);
  });

  it('is what this very test runs on: npm scripts use the Node 24 npm ci installed', () => {
    expect(nodeVersionProblem()).toBeNull();
  });
});
