// The decoder's slab memory: the arrays of a prefix node (its pair features, its prefix's roads and
// times, its keys/values) as views of a shared 4 MiB buffer, which costs a tenth of a new array's
// allocation (ArrayBuffers of their own, thousands a search, were a large part of node building and
// garbage collection). A buffer is never reused, so views stay valid while their nodes live.

/** Bytes of each shared buffer that nodes' arrays are views of. */
const SLAB_BYTES = 4 << 20;

/** A typed array's constructor, as NodeSlab.array makes one: of a length, or a view of a buffer. */
export interface SlabArrayKind<A> {
  new (length: number): A;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): A;
  readonly BYTES_PER_ELEMENT: number;
}

export class NodeSlab {
  private slab = new ArrayBuffer(0);
  private top = 0;

  /**
   * `n` zeroed numbers: a view of the current slab where `pooled`, else an array of its own (the
   * scorer keeps origins across searches, by key, and a view would keep its whole buffer alive).
   */
  array<A>(kind: SlabArrayKind<A>, n: number, pooled: boolean): A {
    if (!pooled) return new kind(n);
    const at = this.bytes(kind.BYTES_PER_ELEMENT * n); // first: it may start a new slab
    return new kind(this.slab, at, n);
  }

  /** The offset of `bytes` fresh bytes in the current slab (8-byte aligned), starting a new slab when it is full. */
  private bytes(bytes: number): number {
    const at = (this.top + 7) & ~7;
    if (at + bytes > this.slab.byteLength) {
      this.slab = new ArrayBuffer(Math.max(SLAB_BYTES, bytes));
      this.top = bytes;
      return 0;
    }
    this.top = at + bytes;
    return at;
  }
}
