import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig, parseMasterKeyList } from '../../libs/config/index.js';
import { makeTempDir } from '../harness/tempDir.js';

const dir = makeTempDir('config-master-keys');
after(() => dir.remove());

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const C = 'c3'.repeat(32);

function yamlFile(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

/** Refused naming `key`, and never echoing key material. */
function refused(load: () => unknown, key: RegExp) {
  assert.throws(load, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, key);
    for (const material of [A, B, C, 'short-secret-key']) assert.ok(!err.message.includes(material), `${err.message} quotes key material`);
    return true;
  });
}

describe('configuration: master keys', () => {
  it('has none with nothing configured (make run generates one into the data dir)', () => {
    assert.equal(loadConfig({ env: {} }).masterKeys, undefined);
  });

  it('reads ferry.secret_key as the one key, id "default", current', () => {
    assert.deepEqual(loadConfig({ env: { FERRY_SECRET_KEY: A } }).masterKeys, { keys: [{ id: 'default', key: A }], current: 'default' });
  });

  it('reads FERRY_SECRET_KEYS and FERRY_SECRET_KEY_CURRENT', () => {
    const config = loadConfig({ env: { FERRY_SECRET_KEYS: `k2024:${A}, k2025:${B}`, FERRY_SECRET_KEY_CURRENT: 'k2025' } });
    assert.deepEqual(config.masterKeys, { keys: [{ id: 'k2024', key: A }, { id: 'k2025', key: B }], current: 'k2025' });
    assert.deepEqual(loadConfig({ env: { FERRY_SECRET_KEYS: `only:${C}` } }).masterKeys, { keys: [{ id: 'only', key: C }], current: 'only' });
  });

  it('adds ferry.secret_keys to ferry.secret_key, so an existing key stays while a new one becomes current', () => {
    const config = loadConfig({ env: { FERRY_SECRET_KEY: A, FERRY_SECRET_KEYS: `next:${B}`, FERRY_SECRET_KEY_CURRENT: 'next' } });
    assert.deepEqual(config.masterKeys, { keys: [{ id: 'default', key: A }, { id: 'next', key: B }], current: 'next' });
  });

  it('reads a YAML list of { id, key }, or the same string form, and lets the environment override it', () => {
    const file = yamlFile('keys.yaml', `ferry:\n  secret_keys:\n    - id: old\n      key: ${A}\n    - id: 2025\n      key: ${B}\n  secret_key_current: "2025"\n`);
    assert.deepEqual(loadConfig({ file, env: {} }).masterKeys, { keys: [{ id: 'old', key: A }, { id: '2025', key: B }], current: '2025' });
    assert.deepEqual(loadConfig({ file, env: { FERRY_SECRET_KEYS: `new:${C}`, FERRY_SECRET_KEY_CURRENT: 'new' } }).masterKeys, { keys: [{ id: 'new', key: C }], current: 'new' });
    const text = yamlFile('keys-text.yaml', `ferry:\n  secret_keys: "x:${A},y:${B}"\n  secret_key_current: y\n`);
    assert.equal(loadConfig({ file: text, env: {} }).masterKeys?.current, 'y');
  });

  it('wants the current key named when there are several, and among them', () => {
    refused(() => loadConfig({ env: { FERRY_SECRET_KEYS: `a:${A},b:${B}` } }), /ferry\.secret_key_current: must name the key new data keys are sealed under when several are configured \(one of "a", "b"\)/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEY: A, FERRY_SECRET_KEYS: `b:${B}` } }), /ferry\.secret_key_current: .*one of "default", "b"/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEYS: `a:${A},b:${B}`, FERRY_SECRET_KEY_CURRENT: 'c' } }), /ferry\.secret_key_current: is not the id of a configured key \("a", "b"\)/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEY_CURRENT: 'a' } }), /ferry\.secret_key_current: names a key, but no key is configured/);
  });

  it('refuses bad lists naming the setting, never the key material', () => {
    refused(() => loadConfig({ env: { FERRY_SECRET_KEYS: `a:short-secret-key` } }), /FERRY_SECRET_KEYS \(ferry\.secret_keys\): key "a" must be 64 hex characters/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEYS: A } }), /FERRY_SECRET_KEYS \(ferry\.secret_keys\): entry 1 must be ID:KEY/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEYS: `a:${A},a:${B}` } }), /key id "a" is given twice/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEYS: `a b:${A}` } }), /key id "a b" must be 1 to 64 letters/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEYS: `:${A}` } }), /key id "" must be/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEY: A, FERRY_SECRET_KEYS: `default:${B}` } }), /ferry\.secret_keys: lists the id "default", which is ferry\.secret_key's/);
    refused(() => loadConfig({ env: { FERRY_SECRET_KEY: 'short-secret-key' } }), /ferry\.secret_key: must be 64 hex characters/);
    refused(() => loadConfig({ file: yamlFile('empty-list.yaml', 'ferry:\n  secret_keys: []\n'), env: {} }), /ferry\.secret_keys: must list at least one key/);
    refused(() => loadConfig({ file: yamlFile('extra.yaml', `ferry:\n  secret_keys:\n    - id: a\n      key: ${A}\n      current: true\n`), env: {} }), /ferry\.secret_keys: entry 1 must be a mapping of exactly id and key \(unknown: current\)/);
    refused(() => loadConfig({ file: yamlFile('mapping.yaml', `ferry:\n  secret_keys:\n    a: ${A}\n`), env: {} }), /ferry\.secret_keys: must be a list of \{ id, key \}/);
  });

  it('parses the text form with spaces around entries', () => {
    assert.deepEqual(parseMasterKeyList(` a : ${A} ,b:${B}`), [{ id: 'a', key: A }, { id: 'b', key: B }]);
  });
});
