import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  /** The CA's certificate: what an endpoint's ca_bundle names. */
  caPem: string;
  caFile: string;
  /** A server certificate for 127.0.0.1 and localhost, signed by the CA, and its key. */
  certPem: string;
  certFile: string;
  keyPem: string;
  keyFile: string;
}

/** A CA, and a server certificate for 127.0.0.1 and localhost it signed, made by the openssl CLI under `dir/tls`. */
export async function makeTestCertificates(dir: string, caName = 'Ferry test CA'): Promise<TestCertificates> {
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true });
  const p = (name: string) => join(tls, name);
  writeFileSync(p('ext.cnf'), 'subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${caName}`, '-keyout', p('ca.key'), '-out', p('ca.pem')]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', p('server.key'), '-out', p('server.csr')]);
  await run('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('ext.cnf'), '-out', p('server.pem')]);
  return {
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    caFile: p('ca.pem'),
    certPem: readFileSync(p('server.pem'), 'utf8'),
    certFile: p('server.pem'),
    keyPem: readFileSync(p('server.key'), 'utf8'),
    keyFile: p('server.key'),
  };
}
