import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RetriableError } from '../shared/errors';

/**
 * A file name for a delivery: its id with unsafe characters replaced, plus a hash of the raw
 * id so two ids that clean up alike (`a|b`, `a/b`) never share a file. Same delivery, same
 * name: a resend overwrites its file instead of adding a second one.
 */
export function outboxFileName(deliveryId: string, extension: string): string {
  const readable = deliveryId
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 80);
  const digest = createHash('sha256').update(deliveryId).digest('hex').slice(0, 16);
  return `${readable}-${digest}.${extension}`;
}

/**
 * Writes a delivery's file into `dir` atomically (temp file, then rename), so a reader never
 * sees half a message and a crash never leaves a truncated one.
 * @returns the file name written.
 * @throws RetriableError `outbox_write_failed` when the directory cannot be written.
 */
export async function writeOutboxFile(dir: string, deliveryId: string, extension: string, content: string | Buffer): Promise<string> {
  const name = outboxFileName(deliveryId, extension);
  const temp = path.join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, content);
    await rename(temp, path.join(dir, name));
    return name;
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw new RetriableError(`Cannot write ${name} into ${dir} (${code}); check OUTBOX_DIR exists, is writable and has space`, 'outbox_write_failed', error);
  }
}
