import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const SEALED_FORMAT = 'v1';

/** AES-256-GCM: `v1:` + base64(iv | tag | ciphertext). */
export function seal(key: Buffer, plaintext: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${SEALED_FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

export function open(key: Buffer, sealed: string): Buffer {
  const [version, payload] = sealed.split(':', 2);
  if (version !== SEALED_FORMAT || !payload) throw new Error('unsupported sealed secret format');
  const raw = Buffer.from(payload, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}
