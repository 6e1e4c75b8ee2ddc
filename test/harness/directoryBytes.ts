import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The bytes of every file under `dir` (a nats-server store: what JetStream occupies on disk). A file removed while it is read is passed over. */
export function directoryBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      bytes += entry.isDirectory() ? directoryBytes(path) : statSync(path).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return bytes;
}
