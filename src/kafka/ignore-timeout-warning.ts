/**
 * kafkajs 2.2.4's request queue schedules `setTimeout` with a negative delay when a throttle time
 * has passed, and Node 24 warns about each one (`TimeoutNegativeWarning`; Node treats the delay as
 * 1 ms, which is what kafkajs means). The warning says nothing an operator can act on and buries
 * the CLI's output, so this drops that one warning and prints every other as Node would.
 */
export function ignoreTimeoutNegativeWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    process.stderr.write(`${warning.stack ?? `${warning.name}: ${warning.message}`}\n`);
  });
}
