import { FerryError } from '../domain/errors.js';
import { SEALED_FORMAT, open, seal } from './aesGcm.js';

/**
 * The id of `ferry.secret_key` (FERRY_SECRET_KEY), of the key generated into the data dir, and of every
 * data key sealed before records named their master key: so a deployment upgraded with its one key unchanged
 * opens everything it sealed before.
 */
export const DEFAULT_MASTER_KEY_ID = 'default';

/** Letters, digits, '.', '_' and '-': no ':' or ',', which separate ids and keys in FERRY_SECRET_KEYS. */
export const MASTER_KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface MasterKeySpec {
  id: string;
  /** 64 hex characters: a 256-bit AES key. */
  key: string;
}

/** What the secrets bucket holds for a job: its data key sealed (aesGcm) under the master key `key_id`. */
interface DataKeyRecord {
  key_id: string;
  sealed: string;
}

/** A record from before key ids: the bare `v1:` string aesGcm.seal made under the one master key there was. */
function readRecord(jobId: string, text: string): DataKeyRecord {
  if (!text.startsWith('{')) return { key_id: DEFAULT_MASTER_KEY_ID, sealed: text };
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (err) {
    throw new FerryError('INTERNAL', `job ${jobId}: its data key record is not valid JSON`, [], { cause: err });
  }
  const { key_id, sealed } = (record ?? {}) as Partial<Record<keyof DataKeyRecord, unknown>>;
  if (typeof key_id !== 'string' || typeof sealed !== 'string') throw new FerryError('INTERNAL', `job ${jobId}: its data key record lacks key_id or sealed`);
  return { key_id, sealed };
}

function checkedFormat(jobId: string, record: DataKeyRecord): DataKeyRecord {
  if (!record.sealed.startsWith(`${SEALED_FORMAT}:`)) throw new FerryError('INTERNAL', `job ${jobId}: its data key is not sealed in a format this version reads`);
  return record;
}

/** What re-sealing one stored record under the current key comes to. */
export type ResealStep = { kind: 'current' } | { kind: 'reseal'; from: string; record: string };

/**
 * The master keys a process holds, one of them current. New data keys are sealed under the current
 * key; a stored data key opens with whichever key its record names.
 */
export class MasterKeyRing {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    specs: readonly MasterKeySpec[],
    readonly currentId: string,
  ) {
    const keys = new Map<string, Buffer>();
    for (const { id, key } of specs) {
      if (!MASTER_KEY_ID_PATTERN.test(id)) throw new Error(`master key id ${JSON.stringify(id)} must match ${MASTER_KEY_ID_PATTERN.source}`);
      if (!/^[0-9a-fA-F]{64}$/.test(key)) throw new Error(`master key ${id} must be 64 hex characters`);
      if (keys.has(id)) throw new Error(`master key id ${id} is given twice`);
      keys.set(id, Buffer.from(key, 'hex'));
    }
    if (!keys.has(currentId)) throw new Error(`the current master key ${currentId} is not among the keys (${[...keys.keys()].join(', ')})`);
    this.keys = keys;
  }

  /** One key, with the id `ferry.secret_key` has. */
  static single(keyHex: string): MasterKeyRing {
    return new MasterKeyRing([{ id: DEFAULT_MASTER_KEY_ID, key: keyHex }], DEFAULT_MASTER_KEY_ID);
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * A data key's record, sealed under the current key. Under "default" it is the bare `v1:` string every
   * record was before key ids, so a process of an earlier version still reads it during a rolling upgrade.
   */
  sealDataKey(dataKey: Buffer): string {
    const sealed = seal(this.keys.get(this.currentId)!, dataKey);
    if (this.currentId === DEFAULT_MASTER_KEY_ID) return sealed;
    const record: DataKeyRecord = { key_id: this.currentId, sealed };
    return JSON.stringify(record);
  }

  openDataKey(jobId: string, text: string): Buffer {
    const { key_id, sealed } = checkedFormat(jobId, readRecord(jobId, text));
    const master = this.keys.get(key_id);
    if (!master) {
      throw new FerryError(
        'FAILED_PRECONDITION',
        `job ${jobId}: its data key is sealed under master key "${key_id}", which this process is not configured with (it has ${this.ids.map((id) => `"${id}"`).join(', ')}); ` +
          `configure that key again (ferry.secret_keys / FERRY_SECRET_KEYS) until \`ferry keys rotate\` has re-sealed every data key under the current one`,
      );
    }
    try {
      return open(master, sealed);
    } catch (err) {
      // The format was checked: what fails is GCM's tag check, so the bytes under this id are another key.
      throw new FerryError('FAILED_PRECONDITION', `job ${jobId}: its data key does not open under master key "${key_id}": this process has a different key under that id than the one that sealed it`, [], { cause: err });
    }
  }

  /** Whether `text` is already sealed under the current key, else the same data key sealed under it. */
  resealStep(jobId: string, text: string): ResealStep {
    const { key_id } = readRecord(jobId, text);
    if (key_id === this.currentId) return { kind: 'current' };
    return { kind: 'reseal', from: key_id, record: this.sealDataKey(this.openDataKey(jobId, text)) };
  }
}
