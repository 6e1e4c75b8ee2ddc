/** Ordinals per chunk: 65,536 bits, 8 KiB while a chunk is partly filled. */
export const CHUNK_ORDINALS = 1 << 16;
const CHUNK_BYTES = CHUNK_ORDINALS / 8;

/** Serialized form, as kept in projector snapshots. */
export interface OrdinalSetData {
  /** Every ordinal below `floor` is present (a multiple of CHUNK_ORDINALS). */
  floor: number;
  /** Indexes of chunks above the floor whose ordinals are all present. */
  full: number[];
  /** Partly filled chunks above the floor: index → base64 bitmap. */
  partial: Record<string, string>;
}

interface Chunk {
  bits: Uint8Array;
  count: number;
}

/**
 * The work-item ordinals of a run that have an outcome: at most one bit per object, so counting
 * a run exactly once costs n/8 bytes at worst whatever the keys look like. Because copiers work
 * roughly in ordinal order, filled chunks are folded into a floor (or a list of full chunks) and
 * only the chunks with copies still missing hold a bitmap: a run of a billion objects keeps a few
 * chunks in memory, not 125 MB.
 */
export class OrdinalSet {
  private floor = 0;
  private readonly full = new Set<number>();
  private readonly partial = new Map<number, Chunk>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes of bitmap held in memory: what the set costs beyond its bookkeeping. */
  get bitmapBytes(): number {
    return this.partial.size * CHUNK_BYTES;
  }

  has(ordinal: number): boolean {
    if (ordinal < this.floor) return true;
    const index = Math.floor(ordinal / CHUNK_ORDINALS);
    if (this.full.has(index)) return true;
    const chunk = this.partial.get(index);
    if (!chunk) return false;
    const bit = ordinal % CHUNK_ORDINALS;
    return (chunk.bits[bit >>> 3]! & (1 << (bit & 7))) !== 0;
  }

  /** Adds the ordinal; returns false when it was already present. */
  add(ordinal: number): boolean {
    if (this.has(ordinal)) return false;
    const index = Math.floor(ordinal / CHUNK_ORDINALS);
    let chunk = this.partial.get(index);
    if (!chunk) {
      chunk = { bits: new Uint8Array(CHUNK_BYTES), count: 0 };
      this.partial.set(index, chunk);
    }
    const bit = ordinal % CHUNK_ORDINALS;
    chunk.bits[bit >>> 3]! |= 1 << (bit & 7);
    chunk.count++;
    this.count++;
    if (chunk.count === CHUNK_ORDINALS) {
      this.partial.delete(index);
      this.full.add(index);
      this.raiseFloor();
    }
    return true;
  }

  private raiseFloor(): void {
    for (let next = this.floor / CHUNK_ORDINALS; this.full.delete(next); next++) this.floor += CHUNK_ORDINALS;
  }

  toData(): OrdinalSetData {
    const partial: Record<string, string> = {};
    for (const [index, chunk] of this.partial) partial[index] = Buffer.from(chunk.bits).toString('base64');
    return { floor: this.floor, full: [...this.full].sort((a, b) => a - b), partial };
  }

  static fromData(data: OrdinalSetData): OrdinalSet {
    const set = new OrdinalSet();
    set.floor = data.floor;
    set.count = data.floor;
    for (const index of data.full) {
      set.full.add(index);
      set.count += CHUNK_ORDINALS;
    }
    for (const [index, text] of Object.entries(data.partial)) {
      const bits = new Uint8Array(CHUNK_BYTES);
      bits.set(Buffer.from(text, 'base64').subarray(0, CHUNK_BYTES));
      let count = 0;
      for (const byte of bits) count += popcount(byte);
      set.partial.set(Number(index), { bits, count });
      set.count += count;
    }
    return set;
  }
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b; b &= b - 1) n++;
  return n;
}
