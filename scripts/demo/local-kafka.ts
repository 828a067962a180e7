import { brokerAnswers, ensureKafka, stopKafka } from '../kafka-stack';
import type { Cleanups } from './cleanups';
import { DemoError } from './failure';
import { checkJava, portTaken } from './preflight';

/**
 * Makes sure a broker answers at `brokers`: uses one that already does, else starts the local
 * single-node Kafka of scripts/kafka-stack.ts. Only a broker this call started is stopped on exit;
 * one that was running before (tests, `npm run stack:up`, your own) is left alone.
 */
export async function useKafka(brokers: string, cleanups: Cleanups): Promise<void> {
  const leaveRunning = () => cleanups.add('report on Kafka', async () => console.log(`Kafka at ${brokers} was running before the demo: left running.`));
  if (await brokerAnswers(brokers)) {
    console.log(`✓ Kafka answers at ${brokers}: using it`);
    leaveRunning();
    return;
  }
  const [host = '127.0.0.1', port = '9092'] = (brokers.split(',')[0] ?? '').split(':');
  if (!['127.0.0.1', 'localhost'].includes(host)) {
    throw new DemoError(`No Kafka answers at ${brokers}. The demo starts a Kafka only on this machine (127.0.0.1): start your broker, or unset KAFKA_BROKERS.`);
  }
  // A port that accepts connections while no Kafka answers is a broker someone else is booting:
  // ensureKafka waits for it (and still reports `started`), but it is not ours to stop.
  if (await portTaken(host, Number(port))) {
    console.log(`… port ${port} is open but Kafka does not answer yet: waiting for it`);
    await ensureKafka(brokers);
    leaveRunning();
    return;
  }
  checkJava();
  console.log(`… no Kafka at ${brokers}: starting a local single-node Kafka (the first run downloads it with Maven, about a minute)`);
  // Registered before the broker starts, so Ctrl-C during its start-up still stops it.
  const forget = cleanups.add('stop Kafka', async () => {
    console.log('Stopping the Kafka the demo started (npm run stack:up keeps one running between runs)…');
    await stopKafka();
  });
  const { started } = await ensureKafka(brokers);
  if (!started) {
    forget();
    leaveRunning();
  }
}
