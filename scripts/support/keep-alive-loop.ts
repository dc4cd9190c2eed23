/**
 * A lean closed-loop HTTP/1.1 load client for `bench:load --instances`: requests are
 * serialised to bytes before the clock runs, sent over raw keep-alive `net` sockets, and
 * answered by a minimal response reader (status line, then a Content-Length or chunked body,
 * as Express answers). Node's `http.request` cost ~0.1 ms of this process's CPU per call on
 * the 2-core reference machine: a core share taken from the instances being measured, which
 * in production sit on other machines than the platforms and the load balancer.
 */
import net from 'node:net';

/** One request as bytes on the wire, ready to send. */
export function requestBytes(
  host: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer,
): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/**
 * Reads HTTP/1.1 responses from a byte stream, one after the other (keep-alive): `push`
 * each chunk received; it returns the status of every response completed by it.
 * A malformed response throws (the caller drops the connection).
 */
export class ResponseReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { status: number; close: boolean }[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const done: { status: number; close: boolean }[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return done;
      const head = this.buffer.toString('latin1', 0, end);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!match) throw new Error(`not an HTTP/1.1 response: ${JSON.stringify(head.slice(0, 40))}`);
      const lower = head.toLowerCase();
      const close = /\r\nconnection: *close/.test(lower);
      let bodyEnd: number;
      const length = /\r\ncontent-length: *(\d+)/.exec(lower);
      if (length) {
        bodyEnd = end + 4 + Number(length[1]);
        if (this.buffer.length < bodyEnd) return done;
      } else if (/\r\ntransfer-encoding: *chunked/.test(lower)) {
        const last = this.lastChunkEnd(end + 4);
        if (last < 0) return done;
        bodyEnd = last;
      } else {
        throw new Error('a response with neither Content-Length nor chunked encoding');
      }
      done.push({ status: Number(match[1]), close });
      this.buffer = this.buffer.subarray(bodyEnd);
    }
  }

  /** Where a chunked body starting at `from` ends (after its last chunk), or -1 if not all here. */
  private lastChunkEnd(from: number): number {
    let at = from;
    for (;;) {
      const lineEnd = this.buffer.indexOf('\r\n', at);
      if (lineEnd < 0) return -1;
      const size = parseInt(this.buffer.toString('latin1', at, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('a malformed chunk size');
      if (size === 0) {
        // No trailers from the servers measured here: the last chunk is "0\r\n\r\n".
        return this.buffer.length >= lineEnd + 4 ? lineEnd + 4 : -1;
      }
      at = lineEnd + 2 + size + 2;
      if (this.buffer.length < at) return -1;
    }
  }
}

export interface LoopResult<T> {
  /** The items answered 200, in the order answered. */
  accepted: T[];
  /** Milliseconds from send to the whole response, per request. */
  latencies: number[];
  seconds: number;
}

/**
 * Closed loop for `seconds`: `connections` keep-alive sockets spread round-robin over
 * `ports` (on 127.0.0.1), each sending the next request (`next()`, pre-built) as soon as the
 * last was answered. A request whose connection fails or times out counts as not accepted,
 * and the connection is opened again.
 */
export async function closedLoop<T>(
  ports: number[],
  connections: number,
  seconds: number,
  next: () => { item: T; bytes: Buffer },
  timeoutMs = 10_000,
): Promise<LoopResult<T>> {
  const accepted: T[] = [];
  const latencies: number[] = [];
  const startedAt = performance.now();
  const until = startedAt + seconds * 1000;
  const worker = (port: number) =>
    new Promise<void>((finish) => {
      let socket: net.Socket;
      let reader: ResponseReader;
      let current: { item: T; bytes: Buffer } | undefined;
      let sentAt = 0;
      const send = () => {
        if (performance.now() >= until) {
          current = undefined;
          socket.end();
          finish();
          return;
        }
        current = next();
        sentAt = performance.now();
        socket.write(current.bytes);
      };
      const answered = (status: number) => {
        latencies.push(performance.now() - sentAt);
        if (status === 200) accepted.push(current!.item);
      };
      const connect = () => {
        reader = new ResponseReader();
        socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
        socket.setTimeout(timeoutMs);
        socket.on('connect', send);
        socket.on('data', (chunk: Buffer) => {
          let responses;
          try {
            responses = reader.push(chunk);
          } catch {
            socket.destroy();
            return;
          }
          for (const r of responses) {
            answered(r.status);
            if (r.close) {
              // The server ends this connection: the next request goes on a new one.
              current = undefined;
              socket.destroy();
              return;
            }
            send();
          }
        });
        socket.on('timeout', () => socket.destroy());
        socket.on('error', () => undefined);
        socket.on('close', () => {
          if (current) answered(0); // dropped unanswered
          current = undefined;
          if (performance.now() < until) connect();
          else finish();
        });
      };
      connect();
    });
  await Promise.all(Array.from({ length: connections }, (_, c) => worker(ports[c % ports.length]!)));
  return { accepted, latencies, seconds: (performance.now() - startedAt) / 1000 };
}
