/**
 * A growable bitmap over work-item ordinals: one bit per object, so counting a
 * run exactly once costs n/8 bytes whatever the keys look like.
 */
export class OrdinalSet {
  private bits: Uint8Array;
  private count = 0;

  constructor(bits?: Uint8Array) {
    this.bits = bits ?? new Uint8Array(64);
    if (bits) for (const byte of bits) this.count += popcount(byte);
  }

  get size(): number {
    return this.count;
  }

  has(ordinal: number): boolean {
    const index = ordinal >>> 3;
    return index < this.bits.length && (this.bits[index]! & (1 << (ordinal & 7))) !== 0;
  }

  /** Adds the ordinal; returns false when it was already present. */
  add(ordinal: number): boolean {
    const index = ordinal >>> 3;
    if (index >= this.bits.length) {
      let length = this.bits.length * 2;
      while (length <= index) length *= 2;
      const grown = new Uint8Array(length);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (ordinal & 7);
    if (this.bits[index]! & mask) return false;
    this.bits[index]! |= mask;
    this.count++;
    return true;
  }

  toBase64(): string {
    let end = this.bits.length;
    while (end > 0 && this.bits[end - 1] === 0) end--;
    return Buffer.from(this.bits.subarray(0, end)).toString('base64');
  }

  static fromBase64(text: string): OrdinalSet {
    const bytes = Buffer.from(text, 'base64');
    const bits = new Uint8Array(Math.max(64, bytes.length));
    bits.set(bytes);
    return new OrdinalSet(bits);
  }
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b; b &= b - 1) n++;
  return n;
}
