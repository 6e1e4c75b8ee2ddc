import type { JetStreamManager, KV as KeyValue } from 'nats';
import { FerryError } from '../domain/errors.js';
import { isWrongLastSequence } from '../nats/errors.js';
import { KV, jobIdFromToken } from '../nats/subjects.js';
import type { MasterKeyRing } from './masterKeys.js';

export interface KeyRotationReport {
  currentKeyId: string;
  /** Data keys now sealed under the current key that were not before. */
  resealed: number;
  alreadyCurrent: number;
  /** Deleted jobs: their data key was destroyed, before or during the rotation, and stays so. */
  gone: number;
  /** Data keys that did not open (their master key is not configured, or is another key under that id): left as they were. */
  failed: Array<{ jobId: string; error: string }>;
}

/** Test seams for interleaving a job's deletion with a rotation deterministically. */
export interface KeyRotationHooks {
  /** After every data key is listed, before the first is read. */
  listed?(jobIds: string[]): Promise<void>;
  /** After a job's data key is read and sealed anew, before that is written back with the read revision. */
  beforeWrite?(jobId: string): Promise<void>;
}

type Outcome = 'resealed' | 'current' | 'gone';

/** Conflicts on one data key before giving up: only a concurrent rotation or delete writes it, so a second read settles it. */
const MAX_CONFLICTS = 5;

/** Every key in the secrets bucket, from the stream's subject map (kv.keys() can end early on nats-server 2.9.10: see ReadModel.all). */
async function listTokens(jsm: JetStreamManager): Promise<string[]> {
  const prefix = `$KV.${KV.secrets}.`;
  const info = await jsm.streams.info(`KV_${KV.secrets}`, { subjects_filter: `${prefix}>` });
  return Object.keys(info.state.subjects ?? {})
    .map((subject) => subject.slice(prefix.length))
    .sort();
}

/**
 * Re-seals one job's data key under the current master key with a compare-and-set on the revision it
 * read, so a delete (a purge) that lands in between makes the write fail: the key is never written back.
 */
async function resealOne(kv: KeyValue, ring: MasterKeyRing, token: string, hooks: KeyRotationHooks): Promise<Outcome> {
  const jobId = jobIdFromToken(token);
  for (let conflicts = 0; ; conflicts++) {
    const entry = await kv.get(token);
    if (!entry || entry.operation !== 'PUT') return 'gone';
    const step = ring.resealStep(jobId, entry.string());
    if (step.kind === 'current') return 'current';
    await hooks.beforeWrite?.(jobId);
    try {
      await kv.update(token, step.record, entry.revision);
      return 'resealed';
    } catch (err) {
      if (!isWrongLastSequence(err) || conflicts + 1 >= MAX_CONFLICTS) throw err;
    }
  }
}

/**
 * Re-seals every job's data key under `ring`'s current key. Safe to run again at any point and alongside
 * another rotation: a data key already under the current key is left alone, so a second run re-seals nothing.
 */
export async function rotateDataKeys(kv: KeyValue, jsm: JetStreamManager, ring: MasterKeyRing, hooks: KeyRotationHooks = {}): Promise<KeyRotationReport> {
  const tokens = await listTokens(jsm);
  await hooks.listed?.(tokens.map(jobIdFromToken));
  const report: KeyRotationReport = { currentKeyId: ring.currentId, resealed: 0, alreadyCurrent: 0, gone: 0, failed: [] };
  for (const token of tokens) {
    let outcome: Outcome;
    try {
      outcome = await resealOne(kv, ring, token, hooks);
    } catch (err) {
      // A data key that does not open is the operator's to fix (configure its key, or delete the job); the rest still rotate.
      if (!(err instanceof FerryError)) throw err;
      report.failed.push({ jobId: jobIdFromToken(token), error: err.message });
      continue;
    }
    switch (outcome) {
      case 'resealed':
        report.resealed++;
        break;
      case 'current':
        report.alreadyCurrent++;
        break;
      case 'gone':
        report.gone++;
        break;
      default: {
        const _exhaustive: never = outcome;
        throw new Error(`unhandled outcome ${String(_exhaustive)}`);
      }
    }
  }
  return report;
}
