/**
 * A TCP proxy of a test's own between two terminals (the endpoint in a party card), which can stall
 * (half-open: nothing forwarded, nothing closed), delay, throttle (bytes delivered all along, in
 * slices of about 50 ms of the rate), or cut connections in the middle of a frame. Loopback only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** One direction of one connection: chunks delivered in order, after a delay, at a rate, or held. */
class Pipe {
  readonly #queue: Array<{ buf: Buffer; due: number }> = [];
  #timer: NodeJS.Timeout | undefined;
  #budgetAt = 0;
  constructor(readonly from: Socket, readonly to: Socket, readonly proxy: FaultProxy) {
    from.on('data', (buf: Buffer) => {
      this.#queue.push({ buf, due: Date.now() + proxy.delayMs });
      this.pump();
    });
  }
  pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0 && !this.proxy.stalled && !this.to.destroyed) {
      // Throttled, a chunk goes out in slices of about 50 ms of the rate, as a slow line delivers
      // bytes all along (not a whole chunk at once after its time).
      const slice = Math.max(64, Math.floor(this.proxy.bytesPerSec / 20));
      if (this.proxy.bytesPerSec > 0 && this.#queue[0]!.buf.length > slice) {
        const { buf, due } = this.#queue[0]!;
        this.#queue.splice(0, 1, { buf: buf.subarray(0, slice), due }, { buf: buf.subarray(slice), due });
      }
      const head = this.#queue[0]!;
      const now = Date.now();
      let at = head.due;
      if (this.proxy.bytesPerSec > 0) at = Math.max(at, this.#budgetAt);
      if (at > now) {
        this.#timer = setTimeout(() => this.pump(), at - now);
        return;
      }
      this.#queue.shift();
      if (this.proxy.cutNext) {
        // Half of this chunk, then both ends reset: the cut falls inside a frame.
        this.to.write(head.buf.subarray(0, Math.max(1, head.buf.length >> 1)), () => {
          this.from.resetAndDestroy();
          this.to.resetAndDestroy();
        });
        this.proxy.cuts += 1;
        return;
      }
      this.to.write(head.buf);
      if (this.proxy.bytesPerSec > 0) this.#budgetAt = Math.max(now, this.#budgetAt) + (head.buf.length * 1000) / this.proxy.bytesPerSec;
    }
  }
}

export class FaultProxy {
  stalled = false;
  delayMs = 0;
  bytesPerSec = 0;
  cutNext = false;
  cuts = 0;
  connections = 0;
  readonly #pipes = new Set<Pipe>();
  readonly #sockets = new Set<Socket>();
  private constructor(readonly port: number, readonly server: Server) {}

  static async open(port: number, target: number): Promise<FaultProxy> {
    const server = createServer();
    const p = new FaultProxy(port, server);
    server.on('connection', (client) => {
      p.connections += 1;
      const upstream = connect(target, '127.0.0.1');
      const pipes = [new Pipe(client, upstream, p), new Pipe(upstream, client, p)];
      for (const x of pipes) p.#pipes.add(x);
      p.#sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        for (const x of pipes) p.#pipes.delete(x);
        p.#sockets.delete(client);
        p.#sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((r, j) => server.once('error', j).listen(port, '127.0.0.1', () => r()));
    return p;
  }

  /** Forwards again (held data flows), with no delay or limit. */
  restore(): void {
    this.stalled = false;
    this.delayMs = 0;
    this.bytesPerSec = 0;
    this.cutNext = false;
    for (const x of this.#pipes) x.pump();
  }

  /** Every connection reset now (a cable cut); new ones are still accepted. */
  resetAll(): void {
    for (const s of this.#sockets) s.resetAndDestroy();
  }

  close(): Promise<void> {
    this.resetAll();
    return new Promise((r) => this.server.close(() => r()));
  }
}
