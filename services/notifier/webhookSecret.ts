import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWebhookSecret } from '../../libs/webhooks/index.js';

/** The configured signing secret, or one generated once into the data dir (mode 0600), like the admin token. */
export function webhookSecretFor(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const path = join(dataDir, 'webhook-secret');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = generateWebhookSecret();
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
