/**
 * The distinct token hashes of one block while it is built: open addressing over a Uint32Array (no object per
 * token), so a block's filter is sized for its distinct tokens and each is inserted once however often it repeats.
 */
export class HashSet {
  private table: Uint32Array;
  private mask: number;
  private shift: number;
  /** 0 marks an empty slot, so the hash 0 is remembered apart. */
  private hasZero = false;
  private count = 0;

  constructor(initialBits = 12) {
    this.table = new Uint32Array(1 << initialBits);
    this.mask = this.table.length - 1;
    this.shift = 32 - initialBits;
  }

  get size(): number {
    return this.count;
  }

  add(h: number): void {
    h >>>= 0;
    if (h === 0) {
      if (!this.hasZero) {
        this.hasZero = true;
        this.count++;
      }
      return;
    }
    const t = this.table;
    let i = Math.imul(h, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const v = t[i]!;
      if (v === h) return;
      if (v === 0) break;
      i = (i + 1) & this.mask;
    }
    t[i] = h;
    if (++this.count * 2 > t.length) this.grow();
  }

  forEach(fn: (h: number) => void): void {
    if (this.hasZero) fn(0);
    for (const v of this.table) if (v !== 0) fn(v);
  }

  clear(): void {
    this.table.fill(0);
    this.hasZero = false;
    this.count = 0;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    this.mask = this.table.length - 1;
    this.shift--;
    const zero = this.hasZero;
    this.count = 0;
    this.hasZero = false;
    for (const v of old) if (v !== 0) this.add(v);
    if (zero) this.add(0);
  }
}
