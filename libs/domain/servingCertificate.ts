import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { parseCaBundle } from './caBundle.js';

/** Which of a server's PEM files a check found wrong: ferry.api_tls.cert_file, key_file or client_ca_file. */
export type ServingCertificatePart = 'cert' | 'key' | 'client_ca';

export class ServingCertificateError extends Error {
  constructor(
    readonly part: ServingCertificatePart,
    message: string,
  ) {
    super(message);
    this.name = 'ServingCertificateError';
  }
}

/** What a server presents and checks, as PEM text read from its files. */
export interface ServingPems {
  /** The server's certificate first, then any intermediates. */
  cert: string;
  key: string;
  /** Certificates a client's certificate must chain to (mutual TLS); none: clients present none. */
  clientCa?: string;
}

/** The served certificate as a log line names it. */
export interface ServingCertificate {
  subject: string;
  serial: string;
  /** SHA-256 of the certificate, colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint256: string;
  validFrom: Date;
  validTo: Date;
  /** Subjects of the client CA's certificates, when there is one. */
  clientCas: string[];
}

/**
 * Checks that a certificate, its key and a client CA make a server Node can run and a client can trust
 * now: every PEM block parses, the key is the certificate's own, and the certificate has not expired.
 * Throws ServingCertificateError naming the file at fault. Pure: the caller reads the files.
 */
export function checkServingCertificate(pems: ServingPems, now = new Date()): ServingCertificate {
  const chain = wrapped('cert', () => parseCaBundle(pems.cert));
  const leaf = chain[0]!;
  let key: KeyObject;
  try {
    key = createPrivateKey(pems.key);
  } catch (err) {
    throw new ServingCertificateError('key', `is not a readable unencrypted PEM private key: ${(err as Error).message}`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new ServingCertificateError('key', `is not the key of the certificate (${leaf.subject}, serial ${leaf.serialNumber}): give the key the certificate was issued for`);
  }
  const validTo = new Date(leaf.validTo);
  if (validTo.getTime() <= now.getTime()) {
    throw new ServingCertificateError('cert', `the certificate (${leaf.subject}, serial ${leaf.serialNumber}) expired on ${validTo.toISOString()}`);
  }
  const clientCas = pems.clientCa === undefined ? [] : wrapped('client_ca', () => parseCaBundle(pems.clientCa!));
  // What Node itself would refuse when the server starts (a key type or size OpenSSL's policy rejects).
  try {
    createSecureContext({ cert: pems.cert, key: pems.key, ...(pems.clientCa === undefined ? {} : { ca: pems.clientCa }) });
  } catch (err) {
    throw new ServingCertificateError('cert', `cannot be served with its key: ${(err as Error).message}`);
  }
  return {
    subject: leaf.subject,
    serial: leaf.serialNumber,
    fingerprint256: leaf.fingerprint256,
    validFrom: new Date(leaf.validFrom),
    validTo,
    clientCas: clientCas.map((c) => c.subject),
  };
}

function wrapped<T>(part: ServingCertificatePart, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ServingCertificateError(part, (err as Error).message);
  }
}
