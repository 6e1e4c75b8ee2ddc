import { createHash } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/** How an HTTPS endpoint's certificate is checked (README "HTTPS and private CAs"). */
export interface EndpointTls {
  /** PEM certificates trusted for this endpoint besides Node's own roots: a private CA, or the server's self-signed certificate. */
  ca?: string;
  /** Accept any certificate. Only when set explicitly, and then the job's events record TlsVerificationDisabled. */
  insecureSkipVerify?: boolean;
}

/** The options a TLS connection (an https.Agent, tls.connect) takes to check an endpoint's certificate. */
export interface TlsCheckOptions {
  /**
   * Node's roots and the endpoint's CA, built once per CA. Given as `ca` instead, the ~140 roots would be
   * parsed again for every connection, and an https.Agent joins its `ca` into the pool key of every
   * request: measured, that cost 1.6 ms of CPU per 4 KiB object against 0.24 without a CA.
   */
  secureContext?: SecureContext;
  rejectUnauthorized?: boolean;
}

/** Per CA: its context, and a short name for pool keys, both made once (the SDK client's key is asked per request). */
const byCa = new Map<string, { context: SecureContext; name: string }>();

function trusted(ca: string): { context: SecureContext; name: string } {
  let entry = byCa.get(ca);
  if (!entry) {
    entry = { context: createSecureContext({ ca: [...rootCertificates, ca] }), name: createHash('sha256').update(ca).digest('hex').slice(0, 16) };
    byCa.set(ca, entry);
  }
  return entry;
}

let defaultCa: string | undefined;

/**
 * AWS_CA_BUNDLE (ferry.ca_bundle): certificates every endpoint that names no CA of its own trusts, besides
 * Node's roots. Set once at start-up from the validated config.
 */
export function setDefaultCaBundle(pem: string | undefined): void {
  defaultCa = pem;
}

/**
 * The endpoint's CA is added to Node's roots rather than replacing them, so a bundle meant for an
 * on-premises cluster never breaks the public endpoints of the same deployment.
 */
export function tlsCheckOptions(tls: EndpointTls | undefined): TlsCheckOptions {
  const options: TlsCheckOptions = {};
  const ca = tls?.ca ?? defaultCa;
  if (ca !== undefined) options.secureContext = trusted(ca).context;
  if (tls?.insecureSkipVerify) options.rejectUnauthorized = false;
  return options;
}

/** Names the checking an endpoint gets, for the keys under which its connections are pooled ('' for Node's defaults). */
export function tlsKey(tls: EndpointTls | undefined): string {
  const ca = tls?.ca ?? defaultCa;
  if (ca === undefined && !tls?.insecureSkipVerify) return '';
  const caName = ca === undefined ? '' : trusted(ca).name;
  return `${tls?.insecureSkipVerify ? 'insecure' : 'verify'}:${caName}`;
}
