import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/** A certificate and its key as files. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

export interface ApiTestCertificates {
  /** The CA that signs the server's and the client's certificates; what a client's --ca and the server's client_ca_file name. */
  caFile: string;
  /** The files the server is configured with (ferry.api_tls.cert_file and key_file); renewServer() replaces them. */
  server: CertificateFiles;
  /** A client certificate (extendedKeyUsage clientAuth) the CA signed. */
  client: CertificateFiles;
  /** Another CA, which signed nothing the server serves: trusting only it, a client refuses the server. */
  otherCaFile: string;
  /** A client certificate the other CA signed: a server whose client CA is the first refuses it. */
  untrustedClient: CertificateFiles;
  /**
   * Issues a new server certificate (a new serial, valid `days`) and moves it and its new key over the
   * server's files, each by a rename as a secret volume or a renewal tool replaces them. Returns its serial
   * (uppercase hex, as X509Certificate.serialNumber gives it).
   */
  renewServer(days?: number): Promise<string>;
}

const SERVER_EXT = 'subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n';
const CLIENT_EXT = 'basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = clientAuth\n';

/** Everything the API's TLS tests need, made by the openssl CLI under `dir/api-tls`: two CAs, server and client certificates. */
export async function makeApiTestCertificates(dir: string): Promise<ApiTestCertificates> {
  const tls = join(dir, 'api-tls');
  mkdirSync(tls, { recursive: true });
  const p = (name: string) => join(tls, name);
  writeFileSync(p('server.cnf'), SERVER_EXT);
  writeFileSync(p('client.cnf'), CLIENT_EXT);
  const makeCa = (name: string, cn: string) =>
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.pem`)]);
  /** A key and a certificate `ca` signed for it, written to `<name>.key` and `<name>.pem`. */
  const issue = async (ca: string, name: string, cn: string, ext: string, days: number) => {
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`)]);
    await run('openssl', ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p(`${ca}.pem`), '-CAkey', p(`${ca}.key`), '-CAserial', p(`${ca}.srl`), '-CAcreateserial', '-days', String(days), '-extfile', p(ext), '-out', p(`${name}.pem`)]);
    return { certFile: p(`${name}.pem`), keyFile: p(`${name}.key`) };
  };
  await Promise.all([makeCa('ca', 'Ferry API test CA'), makeCa('other-ca', 'Some other CA')]);
  const server = await issue('ca', 'server', 'ferry-control', 'server.cnf', 2);
  const client = await issue('ca', 'client', 'ferry-operator', 'client.cnf', 2);
  const untrustedClient = await issue('other-ca', 'untrusted-client', 'not-an-operator', 'client.cnf', 2);
  let renewals = 0;
  return {
    caFile: p('ca.pem'),
    server,
    client,
    otherCaFile: p('other-ca.pem'),
    untrustedClient,
    async renewServer(days = 30) {
      const issued = await issue('ca', `server-renewal-${++renewals}`, 'ferry-control', 'server.cnf', days);
      renameSync(issued.certFile, server.certFile);
      renameSync(issued.keyFile, server.keyFile);
      return new X509Certificate(readFileSync(server.certFile)).serialNumber;
    },
  };
}
