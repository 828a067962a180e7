import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { outboxFileName } from '../../src/channels/outbox-file';
import type { InboxEntry } from '../../src/channels/in-app';
import type { DeliveryRecord } from '../../src/delivery-state/types';
import type { Api } from './api';
import type { ReadLetter } from './dead-letters';
import { clip, heading, printTable } from './format';
import type { Published } from './scenario';
import type { Outcomes } from './settle';

/** Where the outbox files are shown from: relative to the current directory, as a user would `ls` them. */
const shown = (outboxDir: string, ...parts: string[]) => path.join(path.relative(process.cwd(), outboxDir) || '.', ...parts);

const EXTENSION: Record<string, string> = { email: 'eml', sms: 'json', push: 'json' };

/** Prints what was sent, in order. */
export function printPublished(published: Published[]): void {
  heading('Events sent to herald');
  printTable(
    ['#', 'EVENT', 'VIA', 'TYPE/PRIORITY', 'RECIPIENTS → CHANNELS'],
    published.map((p, i) => [String(i + 1), p.label, p.via, p.kind, p.route]),
  );
}

/** Where a delivery landed, or why it did not. */
function landing(d: DeliveryRecord, outboxDir: string): string {
  if (d.status === 'dead-lettered') return `DLQ: ${d.reason}`;
  if (d.status !== 'sent' && d.status !== 'delivered') return clip(`${d.reason ?? ''}${d.detail ? ` — ${d.detail}` : ''}`, 90);
  if (d.channel === 'in_app') return `in-app inbox of ${d.recipientId}`;
  // A batched delivery went out inside its digest, whose file is named after the digest id.
  if (d.digestId) return `digest ${d.digestId} → ${shown(outboxDir, d.channel, outboxFileName(d.digestId, EXTENSION[d.channel] ?? 'json'))}`;
  return d.providerMessageId ? shown(outboxDir, d.channel, d.providerMessageId) : `sent by ${d.provider}`;
}

function deliveryRows(p: Published, found: DeliveryRecord[] | null | undefined, letters: ReadLetter[], outboxDir: string): string[][] {
  if (p.duplicateOf && !found) return [[p.label, '—', '—', 'dropped', `duplicate of "${p.duplicateOf}" (same deduplicationKey): nothing sent`]];
  if (!p.id) {
    const letter = letters.find((l) => l.letter.kind === 'invalid_event');
    return [[p.label, '—', '—', 'dead-lettered', letter ? `DLQ partition ${letter.partition} offset ${letter.offset}: ${letter.letter.reason}` : 'DLQ']];
  }
  return (found ?? []).map((d) => [p.label, d.recipientId, d.channel, d.status, landing(d, outboxDir)]);
}

/** Prints one line per delivery: event, recipient, channel, status, and where it landed or why not. */
export function printDeliveries(published: Published[], outcomes: Outcomes, letters: ReadLetter[], outboxDir: string): void {
  heading('Deliveries (GET /api/notifications/:id)');
  const rows = published.flatMap((p) => deliveryRows(p, outcomes.get(p), letters, outboxDir));
  printTable(['EVENT', 'RECIPIENT', 'CHANNEL', 'STATUS', 'WHERE IT LANDED / WHY NOT'], rows);
  if (rows.some((r) => r[1]?.startsWith('direct:')))
    console.log('  (direct:… is how herald names a direct address in its records and logs: a hash, never the address)');
}

/** Prints the in-app inbox of each user, fetched over HTTP as an app would. */
export async function printInboxes(api: Api, userIds: string[]): Promise<void> {
  for (const userId of userIds) {
    const { body } = await api<{ items: InboxEntry[] }>('GET', `/api/users/${userId}/inbox`);
    heading(`In-app inbox of ${userId} (GET /api/users/${userId}/inbox)`);
    if (body.items.length === 0) console.log('  (empty)');
    printTable(
      null,
      body.items.map((i) => [`${i.type}/${i.priority}`, i.read ? 'read' : 'unread', clip(i.title, 30), clip(i.text, 70)]),
    );
  }
}

/** Prints every `.eml` file of the outbox with its recipient and subject, and the text of digests. */
export async function printEmails(outboxDir: string, digestFiles: Set<string>): Promise<void> {
  const dir = path.join(outboxDir, 'email');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();
  heading(`Emails in ${shown(outboxDir, 'email')} (open any .eml in a mail client)`);
  const digests: { file: string; text: string }[] = [];
  const rows: string[][] = [];
  for (const file of files) {
    const mail = await simpleParser(await readFile(path.join(dir, file)));
    const to = [mail.to ?? []]
      .flat()
      .map((a: AddressObject) => a.text)
      .join(', ');
    rows.push([file, to, mail.subject ?? '']);
    if (digestFiles.has(file)) digests.push({ file, text: mail.text ?? '' });
  }
  printTable(['FILE', 'TO', 'SUBJECT'], rows);
  for (const digest of digests) {
    console.log(`\n  Digest ${digest.file}:`);
    for (const line of digest.text.trim().split('\n')) console.log(`    ${line}`);
  }
}

/** Prints the dead letters of this run with their reason and, for a bad message, where it came from. */
export function printDeadLetters(letters: ReadLetter[], topic: string): void {
  heading(`Dead letters on ${topic} (read with a throwaway consumer group)`);
  for (const { partition, offset, letter } of letters) {
    console.log(`  partition ${partition} offset ${offset}  ${letter.kind}  reason: ${letter.reason}`);
    console.log(`    ${clip(letter.message, 160)}`);
    if (letter.kind === 'invalid_event') {
      const raw = Buffer.from(letter.rawBase64, 'base64').toString('utf8');
      console.log(
        `    from ${letter.source.topic} partition ${letter.source.partition} offset ${letter.source.offset}, key ${letter.source.key}; raw: ${clip(raw, 60)}`,
      );
    } else if (letter.kind === 'delivery_failed') {
      console.log(
        `    event ${letter.event.id}, ${letter.delivery.recipientId} ${letter.delivery.channel} via ${letter.delivery.provider} after ` +
          `${letter.delivery.attempts} attempt(s)`,
      );
    }
  }
}

/** The files of the digests that were sent, to print their content under the email list. */
export function digestFiles(outcomes: Outcomes): Set<string> {
  const ids = [...outcomes.values()].flatMap((found) => (found ?? []).filter((d) => d.channel === 'email' && d.digestId).map((d) => d.digestId as string));
  return new Set(ids.map((id) => outboxFileName(id, 'eml')));
}

/** Prints commands to explore further: curl calls against the running service, and how to run herald for real. */
export function printNextSteps(options: { url: string; apiKey: string; keepRunning: boolean; exampleId: string }): void {
  const { url, keepRunning } = options;
  const auth = `-H 'authorization: Bearer ${options.apiKey}'`;
  const json = `${auth} -H 'content-type: application/json'`;
  heading('What to try next');
  if (!keepRunning) console.log('  npm run demo -- --keep-running    the same demo, then herald stays up (Ctrl-C stops it) so these curl lines work:');
  printTable(
    null,
    [
      [`curl -s ${url}/api/notifications/${options.exampleId} ${auth}`],
      [`curl -s ${url}/api/users/u_alice/inbox ${auth}`],
      [`curl -s -X PUT ${url}/api/users/u_dave ${json} -d '{"email":"dave@example.com","phone":"+14155550104"}'`],
      [
        `curl -s -X POST ${url}/api/notify ${json} -d ` +
          `'{"type":"alert","priority":"high","recipients":["u_dave"],"channels":["email","sms"],"payload":{"title":"Hello","message":"Sent with curl"}}'`,
      ],
      [`curl -s ${url}/readyz; curl -s ${url}/metrics | grep ^herald_`],
    ],
    keepRunning ? '  ' : '    ',
  );
  console.log('');
  printTable(null, [
    ['config/demo-config.json', 'templates, digest schedule and topics of this demo: edit and run it again'],
    ['HERALD_API_KEYS=my-key npm start', 'run herald for real (config/notification-config.ts, topics notifications.*, port 8080)'],
    ['npm run stack:up / stack:down', 'keep the local Kafka running between runs, so the demo starts in seconds'],
  ]);
}
