/**
 * A minimal fake of the three platforms' send APIs on 127.0.0.1, for the load benchmarks:
 * answers each send as the platform would, counts the parts received per recipient, and
 * counts identical parts received twice by one recipient (a duplicate send).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A minimal fake of the three send APIs: counts the parts received per recipient. */
export class CountingPlatform {
  readonly received = new Map<string, number>();
  /** Identical part bodies received twice for one recipient (a duplicate send). */
  duplicates = 0;
  total = 0;
  lastAt = 0;
  private readonly seen = new Set<string>();
  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<CountingPlatform> {
    const server = http.createServer({ keepAliveTimeout: 60_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new CountingPlatform(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => fake.handle(req.url ?? '/', Buffer.concat(chunks).toString('utf8'), res));
    });
    return fake;
  }

  private handle(url: string, text: string, res: http.ServerResponse): void {
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    let key: string | undefined;
    const n = this.total + 1;
    if (url.startsWith('/v3.0/oa/message/cs')) {
      key = `zalo:${(body.recipient as { user_id?: string } | undefined)?.user_id}`;
      json({ error: 0, message: 'Success', data: { message_id: `zm${n}` } });
    } else if (url.startsWith('/me/messages')) {
      const id = (body.recipient as { id?: string } | undefined)?.id;
      key = `messenger:${id}`;
      json({ recipient_id: id, message_id: `m_${n}` });
    } else if (/^\/bot[^/]+\/sendMessage/.test(url)) {
      key = `telegram:${String(body.chat_id)}`;
      json({
        ok: true,
        result: { message_id: n, date: 1700000000, chat: { id: Number(body.chat_id), type: 'private' } },
      });
    } else if (/^\/bot[^/]+\//.test(url)) {
      json({ ok: true, result: true });
    } else {
      res.writeHead(404).end();
    }
    if (key === undefined) return;
    this.total++;
    this.lastAt = performance.now();
    this.received.set(key, (this.received.get(key) ?? 0) + 1);
    const fingerprint = `${key}\u0000${text.replace(/"(messaging_type|access_token)":"[^"]*",?/g, '')}`;
    if (this.seen.has(fingerprint)) this.duplicates++;
    else this.seen.add(fingerprint);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
