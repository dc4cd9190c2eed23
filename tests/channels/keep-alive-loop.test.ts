/**
 * The load client of `bench:load --instances` (scripts/support/keep-alive-loop.ts) reads what
 * Express answers: its figures are only as true as its count of 200s, so the reader is tested
 * on responses split anywhere, chunked bodies, errors and a server closing the connection.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { closedLoop, requestBytes, ResponseReader } from '../../scripts/support/keep-alive-loop';

describe('the keep-alive load client', () => {
  it('reads Content-Length and chunked responses split at every byte', () => {
    const wire = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}' +
        'HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n' +
        'HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nConnection: close\r\n\r\n',
      'latin1',
    );
    for (let cut = 1; cut < wire.length; cut++) {
      const reader = new ResponseReader();
      const got = [...reader.push(wire.subarray(0, cut)), ...reader.push(wire.subarray(cut))];
      expect(got).toEqual([
        { status: 200, close: false },
        { status: 500, close: false },
        { status: 403, close: true },
      ]);
    }
    expect(() => new ResponseReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not an HTTP/);
  });

  describe('against Express', () => {
    let server: Server;
    let port: number;
    const seen: string[] = [];
    beforeAll(async () => {
      const app = express();
      app.post('/ok', express.raw({ type: () => true }), (req, res) => {
        seen.push((req.body as Buffer).toString('utf8'));
        res.status(200).json({ ok: true });
      });
      app.post('/refused', (_req, res) => res.status(403).json({ error: 'invalid signature' }));
      // Every fifth request ends its connection: the client opens a new one and goes on.
      let n = 0;
      app.post('/close', (_req, res) => {
        if (++n % 5 === 0) res.set('connection', 'close');
        res.status(200).json({ ok: true });
      });
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const loop = async (path: string) => {
      let i = 0;
      return closedLoop([port], 4, 0.3, () => {
        const n = i++;
        return { item: n, bytes: requestBytes('127.0.0.1', 'POST', path, {}, `body ${n} é`) };
      });
    };

    it('counts each accepted request once, with its own body, and none refused', async () => {
      const ok = await loop('/ok');
      expect(ok.accepted.length).toBeGreaterThan(10);
      expect(ok.latencies).toHaveLength(ok.accepted.length);
      expect(new Set(ok.accepted).size).toBe(ok.accepted.length);
      expect(new Set(seen)).toEqual(new Set(ok.accepted.map((n) => `body ${n} é`)));
      const refused = await loop('/refused');
      expect(refused.latencies.length).toBeGreaterThan(10);
      expect(refused.accepted).toEqual([]);
    });

    it('goes on over a new connection when the server closes one', async () => {
      const result = await loop('/close');
      expect(result.accepted.length).toBeGreaterThan(20);
      expect(result.latencies).toHaveLength(result.accepted.length);
    });
  });
});
