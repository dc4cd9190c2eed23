/**
 * The platforms' HTTP client (src/channels/http.ts: Zalo's and Messenger's sends) against a
 * real node:http server on 127.0.0.1: what it sends, what it reads, and how each way a send
 * can end — an answer, silence, a cut connection, the pipeline stopping — becomes the
 * contract's result or error, without leaving a request on the wire.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelError } from '../../src/errors';
import { MaybeDeliveredError, postForm, postJson, StoppedError } from '../../src/channels/http';
import { parseJsonKeepingBigInts } from '../../src/channels/json';
import { until } from '../support/until';

const TOKEN = 'page-token-SECRET-123';

interface Received {
  /** The client's end of the connection. */
  port: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  text: string;
  res: http.ServerResponse;
  /** Set when the client's connection closed. */
  closed: boolean;
}

describe('the platforms HTTP client', () => {
  let server: http.Server;
  let base: string;
  let received: Received[] = [];
  /** How the server answers a request it has read; by default it holds it (never answers). */
  let answer: (r: Received) => void = () => undefined;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        const r: Received = {
          port: req.socket.remotePort ?? 0,
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          text,
          res,
          closed: false,
        };
        req.socket.on('close', () => (r.closed = true));
        received.push(r);
        answer(r);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    received = [];
    answer = () => undefined;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const json =
    (status: number, text: string, type = 'application/json') =>
    (r: Received) =>
      r.res.writeHead(status, { 'content-type': type }).end(text);
  const live = () => new AbortController().signal;
  const messengerUrl = () => `${base}/me/messages?access_token=${TOKEN}`;

  it('posts the JSON body with its length and headers, and parses a JSON answer', async () => {
    answer = json(200, '{"error":0,"data":{"message_id":"m1"},"user_id":5937153484356812345}');
    const res = await postJson(
      'zalo',
      `${base}/v3.0/oa/message/cs`,
      { recipient: { user_id: '1' }, message: { text: 'Xin chào' } },
      {
        headers: { access_token: 'zalo-token' },
        signal: live(),
        timeoutMs: 10_000,
        parse: parseJsonKeepingBigInts,
      },
    );
    // The big id stays exact through the `parse` option.
    expect(res).toEqual({
      status: 200,
      body: { error: 0, data: { message_id: 'm1' }, user_id: '5937153484356812345' },
    });
    const [r] = received;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/v3.0/oa/message/cs');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers.access_token).toBe('zalo-token');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.text)));
    expect(JSON.parse(r.text)).toEqual({ recipient: { user_id: '1' }, message: { text: 'Xin chào' } });
  });

  it('posts a form, and parses with JSON.parse by default (big ids rounded)', async () => {
    answer = json(200, '{"access_token":"a","id":5937153484356812345}');
    const res = await postForm(
      'zalo',
      `${base}/v4/oa/access_token`,
      { refresh_token: 'r t', app_id: '42' },
      { headers: { secret_key: 's' }, signal: live(), timeoutMs: 10_000 },
    );
    expect(res).toEqual({ status: 200, body: { access_token: 'a', id: Number('5937153484356812345') } });
    expect(received[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(received[0].text).toBe('refresh_token=r+t&app_id=42');
  });

  it('returns the status with an undefined body when the answer is not JSON', async () => {
    answer = json(502, '<html><body>Bad gateway</body></html>', 'text/html');
    await expect(
      postJson('messenger', messengerUrl(), {}, { signal: live(), timeoutMs: 10_000 }),
    ).resolves.toEqual({ status: 502, body: undefined });
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    answer = (r) => r.res.writeHead(307, { location: `${base}/elsewhere` }).end();
    await expect(
      postJson('messenger', messengerUrl(), {}, { signal: live(), timeoutMs: 10_000 }),
    ).resolves.toEqual({ status: 307, body: undefined });
    expect(received.map((r) => r.url)).toEqual([`/me/messages?access_token=${TOKEN}`]);
  });

  it('keeps the connection alive between sends', async () => {
    answer = json(200, '{}');
    for (let i = 0; i < 3; i++)
      await postJson('messenger', messengerUrl(), { i }, { signal: live(), timeoutMs: 10_000 });
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.port)).size).toBe(1);
  });

  it('gives up on a platform that never answers: maybe delivered, and the connection is closed', async () => {
    const err = await postJson(
      'zalo',
      `${base}/v3.0/oa/message/cs`,
      {},
      { signal: live(), timeoutMs: 50 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaybeDeliveredError);
    expect(err).toMatchObject({
      channel: 'zalo',
      transient: true,
      message: 'no answer within 50 ms: maybe delivered',
    });
    expect(received).toHaveLength(1);
    await until(() => received[0].closed);
  });

  it('reads an answer that arrived while the event loop was stalled past the deadline', async () => {
    answer = (r) =>
      r.res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}', () => {
        // The answer is in the client's socket; the loop stalls well past the send's timeout.
        const end = Date.now() + 300;
        while (Date.now() < end);
      });
    await expect(postJson('zalo', `${base}/x`, {}, { signal: live(), timeoutMs: 50 })).resolves.toEqual({
      status: 200,
      body: { ok: true },
    });
  });

  it('reports a connection cut mid-answer by its code only: no URL, address or token', async () => {
    answer = (r) => {
      r.res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      r.res.write('{"recipient_id":', () => r.res.socket?.destroy());
    };
    const err = await postJson(
      'messenger',
      messengerUrl(),
      {},
      {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: live(),
        timeoutMs: 10_000,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).not.toBeInstanceOf(MaybeDeliveredError);
    expect(err).toMatchObject({
      channel: 'messenger',
      transient: true,
      message: 'request failed: ECONNRESET',
    });
    const everything = `${String(err)} ${(err as Error).stack} ${JSON.stringify(err)} ${String((err as Error).cause)}`;
    for (const secret of [TOKEN, '127.0.0.1', base, '/me/messages']) expect(everything).not.toContain(secret);
  });

  it('reports a refused connection by its code only', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await postJson(
      'messenger',
      `http://127.0.0.1:${port}/me/messages?access_token=${TOKEN}`,
      {},
      {
        signal: live(),
        timeoutMs: 10_000,
      },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'ChannelError',
      transient: true,
      message: 'request failed: ECONNREFUSED',
    });
    expect(`${(err as Error).stack} ${String((err as Error).cause)}`).not.toMatch(
      new RegExp(`${TOKEN}|${port}`),
    );
  });

  it('abandons a send when the pipeline stops: StoppedError, and the platform sees the connection closed', async () => {
    const stop = new AbortController();
    const sent = postJson(
      'zalo',
      `${base}/v3.0/oa/message/cs`,
      {},
      { signal: stop.signal, timeoutMs: 60_000 },
    );
    const settled = sent.catch((e: unknown) => e);
    await until(() => received.length === 1);
    stop.abort();
    expect(await settled).toBeInstanceOf(StoppedError);
    await until(() => received[0].closed);
  });

  it('sends nothing once the pipeline has stopped', async () => {
    const stop = new AbortController();
    stop.abort();
    await expect(
      postJson('zalo', `${base}/x`, {}, { signal: stop.signal, timeoutMs: 10_000 }),
    ).rejects.toBeInstanceOf(StoppedError);
    expect(received).toHaveLength(0);
  });

  it('follows one stop signal with a single listener, however many sends are in flight', async () => {
    const stop = new AbortController();
    const add = jest.spyOn(stop.signal, 'addEventListener');
    const sends = Array.from({ length: 100 }, (_, i) =>
      postJson('messenger', messengerUrl(), { i }, { signal: stop.signal, timeoutMs: 60_000 }).catch(
        (e: unknown) => e,
      ),
    );
    await until(() => received.length === 100);
    expect(add.mock.calls.filter(([type]) => type === 'abort')).toHaveLength(1);
    stop.abort();
    const errors = await Promise.all(sends);
    expect(errors.every((e) => e instanceof StoppedError)).toBe(true);
    await until(() => received.every((r) => r.closed));
  });

  it('leaves no timer behind once answered', async () => {
    answer = json(200, '{}');
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        postJson('messenger', messengerUrl(), { i }, { signal: live(), timeoutMs: 60_000 }),
      ),
    );
    // A timeout left running per send would be 100 more; jest's own timers come and go.
    expect(timers()).toBeLessThan(before + 10);
  });
});
