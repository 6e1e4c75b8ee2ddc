import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { NODE_FLAGS, missingNodeFlags, nodeFlags } from '../../services/nodeFlags.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (file: string) => readFileSync(`${ROOT}${file}`, 'utf8');

/** Every line of a file that starts Ferry's services (runs dist/services/main.js with node). */
function launchLines(file: string): string[] {
  return read(file)
    .split('\n')
    .filter((line) => /\bnode\b|"node"|\$\(NODE\)/.test(line) && line.includes('dist/services/main.js') && !line.trimStart().startsWith('#'));
}

describe('the V8 flags Ferry starts with', () => {
  it('names what a process was started without', () => {
    assert.deepEqual(missingNodeFlags('copier', []), [...NODE_FLAGS]);
    assert.deepEqual(missingNodeFlags('all', ['--enable-source-maps', ...NODE_FLAGS]), []);
    assert.deepEqual(missingNodeFlags('lister', [...NODE_FLAGS]), ['--max-semi-space-size=4']);
    assert.deepEqual(missingNodeFlags('lister', [...NODE_FLAGS], '--max-old-space-size=96 --max-semi-space-size=4'), [], 'given in NODE_OPTIONS');
  });

  it('add the lister\'s smaller semi-spaces to its own process only: the copier, alone or in `all`, keeps the default', () => {
    assert.deepEqual(nodeFlags('lister'), [...NODE_FLAGS, '--max-semi-space-size=4']);
    for (const target of ['all', 'copier', 'control', 'projector', 'notifier']) assert.deepEqual(nodeFlags(target), [...NODE_FLAGS], target);
  });

  it('are passed by every launcher: make run, the Dockerfile, local-cluster.sh and the README', () => {
    const makefile = read('Makefile');
    const makeFlags = /^FERRY_NODE_FLAGS := (.*)$/m.exec(makefile)?.[1]?.split(/\s+/) ?? [];
    assert.deepEqual(makeFlags, [...NODE_FLAGS], 'FERRY_NODE_FLAGS in the Makefile');
    assert.match(makefile, /\$\(NODE\) \$\(FERRY_NODE_FLAGS\) dist\/services\/main\.js/, 'make run passes them');
    for (const file of ['deploy/Dockerfile', 'deploy/local-cluster.sh', 'README.md']) {
      const lines = launchLines(file);
      assert.ok(lines.length > 0, `${file} starts Ferry somewhere`);
      for (const line of lines) for (const flag of NODE_FLAGS) assert.ok(line.includes(flag), `${file}: ${line.trim()} lacks ${flag}`);
    }
  });

  it('reach the lister where it runs alone: local-cluster.sh and its Kubernetes Deployment', () => {
    const listerOnly = nodeFlags('lister').filter((flag) => !NODE_FLAGS.includes(flag));
    const script = read('deploy/local-cluster.sh');
    const serviceFlags = /^service_flags\(\) \{ if \[ "\$1" = lister \]; then echo (.*); fi; \}$/m.exec(script)?.[1]?.split(/\s+/);
    assert.deepEqual(serviceFlags, listerOnly, 'service_flags in local-cluster.sh');
    assert.ok(launchLines('deploy/local-cluster.sh').some((line) => line.includes('$(service_flags "${target%-[0-9]}")')), 'and the services\' launch line uses it');
    const nodeOptions = /name: NODE_OPTIONS\s+value: "([^"]*)"/.exec(read('deploy/k8s/base/lister.yaml'))?.[1]?.split(/\s+/) ?? [];
    for (const flag of listerOnly) assert.ok(nodeOptions.includes(flag), `deploy/k8s/base/lister.yaml's NODE_OPTIONS lacks ${flag}`);
  });
});
