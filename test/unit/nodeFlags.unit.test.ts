import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { NODE_FLAGS, missingNodeFlags } from '../../services/nodeFlags.js';

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
    assert.deepEqual(missingNodeFlags([]), [...NODE_FLAGS]);
    assert.deepEqual(missingNodeFlags(['--enable-source-maps', ...NODE_FLAGS]), []);
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
});
