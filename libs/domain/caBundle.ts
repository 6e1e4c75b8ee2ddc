import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** A CA bundle is a few certificates; this bounds what a job's definition (and so every event reader) carries. */
export const MAX_CA_BUNDLE = 64 * 1024;

/**
 * The certificates of a PEM bundle, each one parsed; throws an Error saying what is wrong, for the config
 * key or job field that gave it. Text outside the certificate blocks is ignored, as OpenSSL ignores it.
 */
export function parseCaBundle(pem: string): X509Certificate[] {
  if (pem.length > MAX_CA_BUNDLE) throw new Error(`must be at most ${MAX_CA_BUNDLE} characters`);
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error('holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new Error(`certificate ${i + 1} of ${blocks.length} cannot be read: ${(err as Error).message}`);
    }
  });
}
