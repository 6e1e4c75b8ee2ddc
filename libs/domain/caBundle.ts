import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The most a job's destination_ca_bundle may hold: its PEM text is in the job's definition, which every
 * reader of the job's events carries. A bundle in a file of the operator's (AWS_CA_BUNDLE and the other
 * config keys) has no such bound: the AWS CLI reads any size, and the system's own bundle, a usual value
 * there, is over 200 KB.
 */
export const MAX_CA_BUNDLE = 64 * 1024;

/**
 * The certificates of a PEM bundle, each one parsed; throws an Error saying what is wrong, for the config
 * key or job field that gave it. Text outside the certificate blocks is ignored, as OpenSSL ignores it.
 */
export function parseCaBundle(pem: string): X509Certificate[] {
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
