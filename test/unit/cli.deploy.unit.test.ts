import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../libs/config/index.js';
import { makeTempDir } from '../harness/tempDir.js';
import { makeTestCertificates } from '../harness/testCertificates.js';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const BASE = join(DEPLOY, 'k8s/base');

type Manifest = Record<string, any>;

function manifests(): Array<{ file: string; doc: Manifest }> {
  return readdirSync(BASE)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(BASE, file), 'utf8')).map((d) => {
        assert.deepEqual(d.errors, [], `${file} parses`);
        return { file, doc: d.toJS() as Manifest };
      }),
    );
}

const ofKind = (kind: string) => manifests().filter((m) => m.doc.kind === kind).map((m) => m.doc);

describe('kubernetes manifests (deploy/k8s/base)', () => {
  it('lists every manifest file in kustomization.yaml, and only existing ones', () => {
    const kustomization = parse(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8'));
    const files = readdirSync(BASE).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    assert.deepEqual([...kustomization.resources].sort(), files.sort());
  });

  it('has a Deployment per service, each running its target with both probes and resources', () => {
    const deployments = ofKind('Deployment');
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), ['ferry-control', 'ferry-copier', 'ferry-lister', 'ferry-notifier', 'ferry-projector']);
    for (const d of deployments) {
      const name = d.metadata.name;
      assert.deepEqual(d.spec.selector.matchLabels, { 'app.kubernetes.io/name': name }, `${name} selector`);
      assert.equal(d.spec.template.metadata.labels['app.kubernetes.io/name'], name, `${name} pod labels match its selector`);
      const [container] = d.spec.template.spec.containers;
      assert.deepEqual(container.args, ['--target', name.replace('ferry-', '')]);
      assert.equal(container.readinessProbe.httpGet.path, '/readyz', `${name} readiness`);
      assert.equal(container.livenessProbe.httpGet.path, '/healthz', `${name} liveness`);
      const portNames = container.ports.map((p: { name: string }) => p.name);
      assert.ok(portNames.includes(container.readinessProbe.httpGet.port), `${name} probes a declared port`);
      for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) assert.ok(container.resources[kind][r], `${name} ${kind}.${r}`);
      const env = Object.fromEntries(container.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      assert.equal(env.FERRY_CONFIG, '/etc/ferry/ferry.yaml');
      if (name !== 'ferry-control') assert.match(env.FERRY_METRICS_ADDR, /:9101$/, `${name} serves its probes on FERRY_METRICS_ADDR`);
    }
  });


  it('exposes control on 9000 and 9090, and scales and protects the copiers', () => {
    const [service] = ofKind('Service');
    assert.deepEqual(service!.spec.ports.map((p: { port: number }) => p.port), [9000, 9090]);
    const [pdb] = ofKind('PodDisruptionBudget');
    assert.deepEqual(pdb!.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'ferry-copier' });
    const [hpa] = ofKind('HorizontalPodAutoscaler');
    assert.equal(hpa!.spec.scaleTargetRef.name, 'ferry-copier');
    assert.equal(hpa!.spec.metrics[0].resource.name, 'cpu');
  });

  it("gives each service a configuration Ferry's own loader accepts, from the ConfigMap, the Secrets and its env", async () => {
    const [configMap] = ofKind('ConfigMap');
    const secrets = new Map(ofKind('Secret').map((s) => [s.metadata.name as string, s.stringData as Record<string, string>]));
    const tmp = makeTempDir('deploy-config');
    try {
      const file = join(tmp.path, 'ferry.yaml');
      writeFileSync(file, configMap!.data['ferry.yaml']);
      // The mounted ferry-nats-client-tls Secret, as files the loader can read and check.
      const certs = await makeTestCertificates(tmp.path);
      const mounted: Record<string, string> = { '/etc/nats-tls/ca.crt': certs.caFile, '/etc/nats-tls/tls.crt': certs.certFile, '/etc/nats-tls/tls.key': certs.keyFile };
      for (const d of ofKind('Deployment')) {
        const env: Record<string, string> = {};
        for (const e of d.spec.template.spec.containers[0].env) {
          const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
          const source = e.valueFrom?.secretKeyRef ? secrets.get(e.valueFrom.secretKeyRef.name) : configMap!.data;
          if (ref) assert.ok(source && ref.key in source, `${d.metadata.name}: ${e.name} refers to a missing key ${ref.name}/${ref.key}`);
          env[e.name] = ref ? source![ref.key]! : (mounted[e.value] ?? e.value);
        }
        const service = d.metadata.name.replace('ferry-', '');
        assert.equal(env.NATS_USER, d.metadata.name, `${d.metadata.name} logs in to NATS as its own user`);
        assert.equal(env.NATS_PASSWORD, secrets.get('ferry-nats-users')![`${service}-password`], `${d.metadata.name}: its password from ferry-nats-users`);
        const volumes = d.spec.template.spec.volumes as Array<{ name: string; secret?: { secretName: string } }>;
        const mounts = d.spec.template.spec.containers[0].volumeMounts as Array<{ name: string; mountPath: string }>;
        assert.equal(volumes.find((v) => v.name === 'nats-tls')?.secret?.secretName, 'ferry-nats-client-tls', `${d.metadata.name} mounts the NATS client certificate`);
        assert.equal(mounts.find((m) => m.name === 'nats-tls')?.mountPath, '/etc/nats-tls');
        const config = loadConfig({ file: env.FERRY_CONFIG === '/etc/ferry/ferry.yaml' ? file : env.FERRY_CONFIG, env });
        assert.deepEqual(config.nats, {
          auth: { kind: 'user', user: d.metadata.name, password: env.NATS_PASSWORD },
          tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
        }, d.metadata.name);
        assert.equal(config.natsReplicas, 3, d.metadata.name);
        assert.equal(config.batch.maxConcurrentJobs, 5, d.metadata.name);
        const needsSource = ['ferry-lister', 'ferry-copier'].includes(d.metadata.name);
        assert.equal(config.source?.endpoint !== undefined, needsSource, `${d.metadata.name} has the source cluster only if it copies or lists`);
        // Without it a pod would seal and open with a key generated into its own emptyDir data dir.
        const unseals = d.metadata.name !== 'ferry-projector';
        const master = { keys: [{ id: 'default', key: secrets.get('ferry-secrets')!['secret-key']! }], current: 'default' };
        assert.deepEqual(config.masterKeys, unseals ? master : undefined, `${d.metadata.name} opens secrets with the Secret's master key only if it unseals any`);
      }
    } finally {
      tmp.remove();
    }
  });

  it('asks the NATS Helm chart for a 3-node JetStream cluster', () => {
    const values = parse(readFileSync(join(DEPLOY, 'nats-values.yaml'), 'utf8'));
    assert.equal(values.config.cluster.enabled, true);
    assert.equal(values.config.cluster.replicas, 3);
    assert.equal(values.config.jetstream.enabled, true);
    assert.equal(values.config.jetstream.fileStore.pvc.enabled, true);
  });
});
