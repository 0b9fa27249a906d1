/**
 * Shared buffers of one size, handed out again once their user gives them back. A worker converts a 2K
 * frame's luma in about 6 ms into a buffer it has used before, and in about 40 ms into a new one: on the
 * virtual machines we measure on, the first touch of fresh memory costs some 10 µs per 4 KiB page, and V8
 * frees a dead buffer only at a later collection, so without reuse nearly every frame's buffers are fresh.
 * Holds at most `limit` free buffers, of the size last asked for (a worker moves on to reels of other sizes).
 */
export class SharedBuffers {
  private free: SharedArrayBuffer[] = [];
  private bytes = -1;
  private readonly made = new WeakSet<SharedArrayBuffer>();
  private count = 0;

  constructor(private readonly limit: number) {}

  take(bytes: number): SharedArrayBuffer {
    if (bytes !== this.bytes) {
      this.free = [];
      this.bytes = bytes;
    }
    const reused = this.free.pop();
    if (reused) return reused;
    const fresh = new SharedArrayBuffer(bytes);
    this.made.add(fresh);
    this.count++;
    return fresh;
  }

  /** Gives back a buffer this pool handed out and that nothing reads or writes any more (others are ignored). */
  give(buffer: ArrayBufferLike): void {
    if (!(buffer instanceof SharedArrayBuffer) || !this.made.has(buffer)) return;
    if (buffer.byteLength === this.bytes && this.free.length < this.limit && !this.free.includes(buffer)) this.free.push(buffer);
  }

  /** Free buffers held now. */
  get held(): number {
    return this.free.length;
  }

  /** Buffers made so far (each take that found none free). */
  get allocated(): number {
    return this.count;
  }
}
