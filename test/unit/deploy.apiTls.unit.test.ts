import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { SETTINGS } from '../../libs/config/index.js';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const COMPONENT = join(DEPLOY, 'k8s/components/api-tls');

type Manifest = Record<string, any>;
const yamlOf = (file: string): Manifest => parse(readFileSync(file, 'utf8')) as Manifest;

describe('the api-tls kustomize component (deploy/k8s/components/api-tls)', () => {
  const kustomization = yamlOf(join(COMPONENT, 'kustomization.yaml'));
  const patch = yamlOf(join(COMPONENT, kustomization.patches[0].path));
  const base = parse(readFileSync(join(DEPLOY, 'k8s/base/control.yaml'), 'utf8').split(/^---$/m)[0]!) as Manifest;
  const container = patch.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));

  it('is a Component patching control, by the names the base uses', () => {
    assert.equal(kustomization.kind, 'Component');
    for (const p of kustomization.patches) assert.ok(existsSync(join(COMPONENT, p.path)), p.path);
    assert.deepEqual([patch.kind, patch.metadata.name], [base.kind, base.metadata.name]);
    assert.equal(container.name, base.spec.template.spec.containers[0].name);
  });

  it('points every TLS setting at a file of the Secret, mounted whole so that renewals reach the pod', () => {
    const known = new Set<string>(SETTINGS.map((s) => s.env));
    for (const name of Object.keys(env)) assert.ok(known.has(name), `${name} is a Ferry setting`);
    const [mount] = container.volumeMounts;
    assert.equal(mount.subPath, undefined, 'a subPath mount is never updated by the kubelet');
    assert.equal(mount.readOnly, true);
    const volume = patch.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    assert.equal(volume.secret.secretName, 'ferry-api-tls');
    assert.deepEqual(
      ['FERRY_API_TLS_CERT', 'FERRY_API_TLS_KEY', 'FERRY_API_TLS_CLIENT_CA'].map((name) => env[name]),
      ['tls.crt', 'tls.key', 'ca.crt'].map((file) => `${mount.mountPath}/${file}`),
    );
    const baseMounts = base.spec.template.spec.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    assert.ok(!baseMounts.some((path: string) => mount.mountPath.startsWith(`${path}/`)), 'not inside another volume');
  });

  it('probes and scrapes control on FERRY_METRICS_ADDR, which needs no client certificate', () => {
    const probes = container.ports.find((p: { name: string }) => p.name === container.readinessProbe.httpGet.port);
    assert.ok(probes, 'the probes use a port the patch declares');
    assert.equal(container.livenessProbe.httpGet.port, probes.name);
    assert.equal(env.FERRY_METRICS_ADDR, `0.0.0.0:${probes.containerPort}`);
    assert.equal(patch.spec.template.metadata.annotations['prometheus.io/port'], String(probes.containerPort));
  });

  it("has a cert-manager example writing that Secret, for the Service's names", () => {
    const certificate = yamlOf(join(COMPONENT, 'certificate.example.yaml'));
    assert.equal(certificate.spec.secretName, 'ferry-api-tls');
    assert.ok(certificate.spec.dnsNames.includes(base.metadata.name));
  });
});
