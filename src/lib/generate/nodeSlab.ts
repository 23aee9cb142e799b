// The decoder's slab memory: the arrays of a prefix node (its pair features, its prefix's roads and
// times, its keys/values) as views of shared 4 MiB buffers, which costs a tenth of a new array's
// allocation (ArrayBuffers of their own, thousands a search, were a large part of node building and
// garbage collection). Views stay valid while their nodes live: a buffer is handed out again only
// after recycle(), which the decoder calls when the scorer has dropped every node.
//
// Why recycle at all: a fresh buffer's pages are faulted in on first touch. Scoring 256 prefixes of
// 16 roads from scratch fills about 9 MB of slabs, and in the peer bench the rounds that wrote into
// fresh buffers spent 20–30 ms more in node building and the attention's copies than those that
// reused freed memory.

/** Bytes of each shared buffer that nodes' arrays are views of. */
const SLAB_BYTES = 4 << 20;
/** Buffers kept for reuse after recycle(); a larger search's extra buffers are left to the collector. */
const KEPT_SLABS = 16;

/** A typed array's constructor, as NodeSlab.array makes one: of a length, or a view of a buffer. */
export interface SlabArrayKind<A> {
  new (length: number): A;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): A;
  readonly BYTES_PER_ELEMENT: number;
}

export class NodeSlab {
  /** Every buffer in use or kept, in order; `cur` is the one being filled, up to `top` bytes. */
  private slabs: ArrayBuffer[] = [];
  private cur = -1;
  private top = 0;

  /**
   * `n` zeroed numbers: a view of the current slab where `pooled`, else an array of its own (the
   * scorer keeps origins across searches, by key, and a view would keep its whole buffer alive).
   */
  array<A>(kind: SlabArrayKind<A>, n: number, pooled: boolean): A {
    if (!pooled) return new kind(n);
    const at = this.bytes(kind.BYTES_PER_ELEMENT * n); // first: it may move to another slab
    return new kind(this.slabs[this.cur], at, n);
  }

  /**
   * Every pooled array handed out so far is dead (no node holds one): the buffers are zeroed where
   * they were used and handed out again, the first 16 of them.
   */
  recycle(): void {
    for (let i = 0; i <= this.cur && i < KEPT_SLABS; i++)
      new Uint8Array(this.slabs[i], 0, i === this.cur ? this.top : this.slabs[i].byteLength).fill(0);
    this.slabs.length = Math.min(this.slabs.length, KEPT_SLABS);
    this.cur = -1;
    this.top = 0;
  }

  /** The offset of `bytes` fresh bytes in the current slab (8-byte aligned), moving to the next slab when it is full. */
  private bytes(bytes: number): number {
    const at = (this.top + 7) & ~7;
    if (this.cur >= 0 && at + bytes <= this.slabs[this.cur].byteLength) {
      this.top = at + bytes;
      return at;
    }
    const next = this.cur + 1;
    // A kept buffer too small for this array (only a huge one) is replaced.
    if (next >= this.slabs.length || this.slabs[next].byteLength < bytes) this.slabs[next] = new ArrayBuffer(Math.max(SLAB_BYTES, bytes));
    this.cur = next;
    this.top = bytes;
    return 0;
  }
}
