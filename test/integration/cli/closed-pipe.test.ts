import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `herald … | head`: the reader closing the pipe after a line used to end the CLI with an EPIPE
 * stack trace and exit code 1. The command now stops quietly with its own exit code.
 */
describe('herald writing to a pipe its reader closed', () => {
  it('stops quietly: no stack trace, exit code 0', async () => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', '..', '..', 'bin', 'herald.js'), 'dlq', 'list', '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The reader goes away before the CLI writes, as `head -0` or a consumer that quit does.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
