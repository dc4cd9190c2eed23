/**
 * PostgreSQL goes away mid-run (issue #17): the real bot (src/main.ts) reaches the throwaway
 * server through a TCP proxy on 127.0.0.1 that this test cuts — every open connection reset,
 * every new one dropped — and later restores, as a failover or a network cut would. While it
 * is cut: the events being answered are parked (one log line), /healthz says the server is
 * unreachable, webhooks are refused so the platform sends them again. Once restored: a probe
 * write finds it, one line says so, and every accepted event is answered exactly once —
 * stored once, delivered, logged once (on PostgreSQL), each part received once. The test waits for the bot's
 * own signs (log lines, rows), never for a time.
 */
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { tempDir } from '../support/app';
import { freshPostgresUrl, stopPostgres } from '../support/engines';
import { FakePlatform } from '../support/fake-platform';
import { describePostgres } from '../support/postgres';
import { startServer, type ServerProcess } from '../support/process';
import { until } from '../support/until';
import {
  checkOutcomes,
  heldOutTexts,
  signedCall,
  type InboxOutcome,
  type LoadChannel,
  type SignedCall,
} from '../support/webhook-load';
import { channelEnv, LOAD_SECRETS } from '../channels/helpers';

/** A TCP proxy to `port` that can cut every connection and refuse new ones, then heal. */
async function faultProxy(port: number) {
  const open = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = net.connect(port, '127.0.0.1');
    const pair = [client, upstream];
    for (const socket of pair) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        for (const other of pair) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      for (const socket of open) socket.destroy();
    },
    heal() {
      cut = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const EVENTS = 36;
const SECRET = 'postgres-outage-test-pseudonym-secret';
const occurrences = (text: string, line: string) => text.split(line).length - 1;

describePostgres()('a PostgreSQL outage mid-run', () => {
  let fake: FakePlatform;
  let server: ServerProcess | undefined;
  let proxy: Awaited<ReturnType<typeof faultProxy>>;

  afterAll(async () => {
    await server?.kill();
    await proxy?.close();
    await fake?.close();
    await stopPostgres();
  });

  it('parks the events, probes, and answers every accepted one exactly once after', async () => {
    fake = await FakePlatform.start();
    fake.sendDelayMs = 5; // replies are still going out when the cut lands
    const url = await freshPostgresUrl();
    proxy = await faultProxy(Number(new URL(url).port));
    const proxied = new URL(url);
    proxied.port = String(proxy.port);
    const file = path.join(tempDir(), 'bot.sqlite');
    server = await startServer(
      channelEnv(fake, {
        DATABASE_URL: proxied.toString(),
        DATABASE_PATH: file,
        DATABASE_POOL_SIZE: '4',
        PSEUDONYM_SECRET: SECRET,
        // Far beyond the outage: the parked events keep their claim through it.
        INBOX_LEASE_SECONDS: '300',
        SEND_TIMEOUT_MS: '30000',
      }),
    );
    const texts = heldOutTexts();
    const calls = Array.from({ length: EVENTS }, (_, n) =>
      signedCall(n, 'pgout', texts[n % texts.length]!, LOAD_SECRETS),
    );
    const post = async (call: SignedCall) =>
      (
        await fetch(`${server!.baseUrl}${call.path}`, {
          method: 'POST',
          headers: call.headers,
          body: call.body,
        })
      ).status;

    // Before the cut: the first half accepted, and some of it answered.
    const first = calls.slice(0, EVENTS / 2);
    expect(await Promise.all(first.map(post))).toEqual(first.map(() => 200));
    await until(() => fake.delivered().length >= 3);

    proxy.cut();
    // The second half arrives during the outage: refused (the platform sends it again later).
    const second = calls.slice(EVENTS / 2);
    const refused = await Promise.all(second.map(post));
    expect(refused.every((status) => status >= 500)).toBe(true);
    await until(() => server!.logs().includes('PostgreSQL cannot store'));
    const health = await fetch(`${server.baseUrl}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { db: string }).db).toBe('error');

    proxy.heal();
    await until(() => server!.logs().includes('PostgreSQL stores again'));
    // The platform's retries of the refused webhooks.
    expect(await Promise.all(second.map(post))).toEqual(second.map(() => 200));

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let rows: InboxOutcome[] = [];
    const logged = new Map<string, number>();
    try {
      await until(async () => {
        rows = (
          await client.query<InboxOutcome>(
            'SELECT channel, event_id, user_id, state, parts_sent FROM channel_inbox',
          )
        ).rows;
        return rows.length === EVENTS && rows.every((r) => r.state === 'delivered' || r.state === 'failed');
      });
      // The interaction log is on PostgreSQL with the replies.
      const counts = await client.query<{ channel: string; message_id: string; n: number }>(
        "SELECT channel, message_id, count(*)::int AS n FROM interactions WHERE channel != 'web' GROUP BY 1, 2",
      );
      for (const r of counts.rows) logged.set(`${r.channel}:${r.message_id}`, r.n);
    } finally {
      await client.end();
    }
    await server.kill();
    const received = (channel: LoadChannel, recipient: string) =>
      fake.sendsTo(channel, recipient).filter((r) => r.outcome === 'ok').length;
    expect(checkOutcomes(rows, [logged], calls, received)).toEqual({
      stored: EVENTS,
      lost: [],
      notDelivered: [],
      loggedWrongly: [],
      partsMismatch: [],
    });
    // One line when the outage began, one when it ended; no line per event or per claim.
    expect(occurrences(server.logs(), 'PostgreSQL cannot store')).toBe(1);
    expect(occurrences(server.logs(), 'PostgreSQL stores again')).toBe(1);
    expect(server.logs()).not.toContain('cannot claim platform events');
  });
});
