/**
 * Hostile input against the three platform webhooks (real app, real SQLite file, real HTTP
 * through Express): random and mutated payloads, correctly signed or not. Whatever arrives:
 * never a 5xx, never an error in the log, nothing stored without a valid signature, and the
 * server still answers a real message afterwards.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { nastyChar } from '../support/nasty-text';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isObject, topLevelFields } from '../../src/channels/json';
import { buildChannelApp, channelEnv, fixture, fixtureWith, SECRETS } from '../channels/helpers';
import { FakePlatform } from '../support/fake-platform';
import { selectRow, selectRows } from '../support/rows';

type Channel = 'zalo' | 'messenger' | 'telegram';
const CHANNELS: Channel[] = ['zalo', 'messenger', 'telegram'];
const FIXTURES: Record<Channel, string[]> = {
  zalo: ['user_send_text', 'follow', 'user_send_image', 'user_send_sticker', 'user_click_chatnow'],
  messenger: ['text', 'batched', 'quick_reply', 'postback_get_started', 'image', 'echo'],
  telegram: ['text', 'start', 'callback_query', 'photo', 'group_message', 'edited_message'],
};

/** The signature header each platform would send for these exact bytes. */
function sign(channel: Channel, raw: Buffer): Record<string, string> {
  if (channel === 'messenger')
    return {
      'x-hub-signature-256': `sha256=${crypto.createHmac('sha256', SECRETS.messengerAppSecret).update(raw).digest('hex')}`,
    };
  if (channel === 'telegram') return { 'x-telegram-bot-api-secret-token': SECRETS.telegramWebhookSecret };
  // Zalo signs app_id + body + timestamp, both as written at the body's top level (a mutated
  // "5e-324" is signed as those characters, not as the number a parser makes of them).
  const { app_id: appId = '', timestamp = '' } = topLevelFields(raw.toString('utf8'), [
    'app_id',
    'timestamp',
  ]);
  const mac = crypto
    .createHash('sha256')
    .update(appId)
    .update(raw)
    .update(timestamp)
    .update(SECRETS.zaloOaSecretKey)
    .digest('hex');
  return { 'x-zevent-signature': `mac=${mac}` };
}

const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(nastyChar, { maxLength: 120 }).map((a) => a.join('')),
  fc
    .array(fc.oneof(nastyChar, fc.constantFrom('làm căn cước ', 'đăng ký ', 'xin chào ')), {
      maxLength: 30,
    })
    .map((a) => a.join('')),
  fc.constantFrom('ễ'.repeat(60_000), 'a'.repeat(300_000), '#next', '#all', '__proto__', 'greeting'),
);
/** A replacement value for one place in a real payload. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyText,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 0, -1, 2 ** 63, 1e308, '', [], {}, '2468458835296117922999'),
  fc
    .integer({ min: 1, max: 2_000 })
    .map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

/** Every path (keys and indexes) inside a JSON value, down to a depth of 8. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (prefix.length >= 8) return out;
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...prefix, i], ...paths(v, [...prefix, i])));
  else if (isObject(value))
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...paths(v, [...prefix, k]));
  return out;
}

/** A real fixture with one to three places replaced or deleted. */
function mutatedFixture(channel: Channel): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...FIXTURES[channel]),
      fc.array(fc.tuple(fc.nat(), fc.oneof(anyValue, fc.constant(undefined))), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.nat(),
    )
    .map(([name, edits, seq]) => {
      const body = JSON.parse(
        fixtureWith(channel, name, { a3f1c0d6: `f${seq}x`, m_: `m_f${seq}_`, '912345': `7${seq % 99999}` }),
      ) as unknown;
      for (const [pick, value] of edits) {
        const all = paths(body);
        if (all.length === 0) break;
        const path = all[pick % all.length];
        let parent = body as Record<string | number, unknown>;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        const last = path[path.length - 1];
        if (value === undefined && !Array.isArray(parent)) delete parent[last];
        else parent[last] = value ?? null;
      }
      return JSON.stringify(body);
    });
}

/** Any body at all: random JSON, random bytes (invalid UTF-8 included), mutated real payloads. */
function anyBody(channel: Channel): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 4, arbitrary: mutatedFixture(channel).map((s) => Buffer.from(s)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => Buffer.from(JSON.stringify(v))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: nastyText.map((s) => Buffer.from(s)) },
    // Nesting far deeper than any platform sends, as raw text.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat(100_000), fc.constantFrom('[', '{"a":'))
        .map(([depth, open]) =>
          Buffer.from(open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth)),
        ),
    },
  );
}

const PATHS: Record<Channel, string> = {
  zalo: '/webhooks/zalo',
  messenger: '/webhooks/messenger',
  telegram: '/webhooks/telegram',
};

describe.each(CHANNELS)('POST /webhooks/%s under hostile input', (channel) => {
  let fake: FakePlatform;
  let t: ReturnType<typeof buildChannelApp>;
  let canaries = 0;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    fake = await FakePlatform.start();
    t = buildChannelApp(channelEnv(fake, { FLOOD_MAX_MESSAGES: '100000' }));
    // A listening server and fetch: the exact bytes (invalid UTF-8 included) go on the wire.
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
    await fake.close();
  });

  async function post(raw: Buffer, headers: Record<string, string>) {
    const res = await fetch(`${baseUrl}${PATHS[channel]}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: new Uint8Array(raw),
    });
    const text = await res.text();
    let body: { error?: string } = {};
    try {
      body = JSON.parse(text) as { error?: string };
    } catch {
      /* not JSON */
    }
    return { status: res.status, text, body };
  }
  const stored = async () =>
    ((await selectRow(t.db, 'SELECT count(*) AS n FROM channel_inbox')) as { n: number }).n;
  const lastInboxId = async () =>
    ((await selectRow(t.db, 'SELECT coalesce(max(id), 0) AS id FROM channel_inbox')) as { id: number }).id;
  const logged = async () =>
    ((await selectRow(t.db, 'SELECT count(*) AS n FROM interactions')) as { n: number }).n;
  const errorLines = () =>
    t
      .logs()
      .split('\n')
      .filter((line) => line && (JSON.parse(line) as { level: number }).level >= 50);

  /** A real message, answered end to end: the server is still healthy. */
  async function expectHealthy() {
    const n = ++canaries;
    const body = Buffer.from(
      fixtureWith(channel, FIXTURES[channel][0], {
        a3f1c0d6: `canary${n}x`,
        m_: `m_canary${n}_`,
        '912345001': String(800000000 + n),
        // Telegram messages dedupe on chat + message id.
        '"message_id": 101': `"message_id": ${900000 + n}`,
      }),
    );
    const before = fake.delivered(channel).length;
    const res = await post(body, sign(channel, body));
    expect(res.status).toBe(200);
    await t.channels.delivery.idle();
    expect(fake.delivered(channel).length).toBeGreaterThan(before);
  }

  it('refuses every call without a valid signature: 4xx, nothing stored', async () => {
    const wrongHeader: fc.Arbitrary<Record<string, string>> = fc.oneof(
      fc.constant({} as Record<string, string>),
      fc.string({ maxLength: 80 }).map((s) => ({ [Object.keys(sign(channel, Buffer.alloc(0)))[0]]: s })),
      // A signature that was valid for another body, or made with another secret.
      fc.constant(sign(channel, Buffer.from('{"object":"page"}'))),
      fc.constant<Record<string, string>>(
        channel === 'telegram'
          ? { 'x-telegram-bot-api-secret-token': `${SECRETS.telegramWebhookSecret}x` }
          : channel === 'messenger'
            ? { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }
            : { 'x-zevent-signature': `mac=${'f'.repeat(64)}` },
      ),
    );
    const before = { stored: await stored(), logged: await logged() };
    await fc.assert(
      fc.asyncProperty(anyBody(channel), wrongHeader, async (raw, headers) => {
        // A random header value could, in theory, be the right one: skip that case.
        const right = sign(channel, raw);
        fc.pre(Object.entries(headers).every(([k, v]) => right[k] !== v));
        const res = await post(raw, headers);
        expect([400, 401, 403]).toContain(res.status);
        expect(res.text).not.toMatch(/secret|stack|at \w+ \(/i);
      }),
      { numRuns: 60 },
    );
    await t.channels.delivery.idle();
    expect({ stored: await stored(), logged: await logged() }).toEqual(before);
    expect(fake.sends(channel)).toHaveLength(0);
    await expectHealthy();
  });

  it('answers any correctly signed body with 200 or 400, never 5xx, and keeps working', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody(channel), async (raw) => {
        const res = await post(raw, sign(channel, raw));
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 80 },
    );
    await t.channels.delivery.idle();
    // Every stored event is settled. A mutated timestamp may date an event from long ago:
    // the platform would refuse that reply, so it is not sent, and the row says why.
    const unsettled = await selectRows(
      t.db,
      "SELECT state, error FROM channel_inbox WHERE state <> 'delivered' AND (error IS NULL OR error <> ?)",
      'outside the platform messaging window: not sent',
    );
    expect(unsettled).toEqual([]);
    expect(errorLines()).toEqual([]);
    await expectHealthy();
  });

  it('answers control, zero-width, RTL and combining characters and huge texts like any text', async () => {
    const name = FIXTURES[channel][0];
    const originalText = /"text": "([^"]*)"/.exec(fixture(channel, name))![1];
    const firstId = (await lastInboxId()) + 1;
    await fc.assert(
      fc.asyncProperty(nastyText, fc.nat(), async (text, seq) => {
        const body = fixtureWith(channel, name, {
          a3f1c0d6: `t${seq}x`,
          m_: `m_t${seq}_`,
          '912345001': String(600000000 + (seq % 100000000)),
        }).replace(JSON.stringify(originalText), () => JSON.stringify(text)); // no $-patterns
        const raw = Buffer.from(body);
        const res = await post(raw, sign(channel, raw));
        expect(res.status).toBe(200);
      }),
      { numRuns: 40 },
    );
    await t.channels.delivery.idle();
    // Everything this test stored was answered (earlier tests' rows are checked there).
    const notDelivered = await selectRows(
      t.db,
      "SELECT state, error FROM channel_inbox WHERE id >= ? AND state <> 'delivered'",
      firstId,
    );
    expect(notDelivered).toEqual([]);
    expect(errorLines()).toEqual([]);
  });

  it('acknowledges an event whose ids are longer than any platform sends, stores nothing, logs why', async () => {
    // Real payloads with the user id, then the event id, 3,000 characters long: over what
    // PostgreSQL can index, so storing one would fail the batch it is committed with.
    const long = '7'.repeat(3000);
    const bodies: Record<Channel, [string, Record<string, string>][]> = {
      zalo: [
        ['user_send_text', { '2468458835296117922': long, a3f1c0d6: 'long1x' }],
        ['user_send_text', { a3f1c0d6e2b94a57b8e1: long }],
      ],
      messenger: [
        ['text', { '6912345678901234': long, m_: 'm_long1_' }],
        ['text', { m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789: `m_${long}` }],
      ],
      telegram: [
        // As a string: a 3,000-digit number would parse as Infinity.
        ['text', { '5012345678': `"${long}"`, '912345001': '912345901' }],
        ['callback_query', { '4382bfdwdsb323b2d9': long }],
      ],
    };
    const before = await stored();
    const warnings = () =>
      t
        .logs()
        .split('\n')
        .filter((line) => line.includes('id longer than 256'));
    const warned = warnings().length;
    for (const [name, replace] of bodies[channel]) {
      const raw = Buffer.from(fixtureWith(channel, name, replace));
      const res = await post(raw, sign(channel, raw));
      expect(res.status).toBe(200);
    }
    await t.channels.delivery.idle();
    expect(await stored()).toBe(before);
    expect(warnings().length - warned).toBe(2);
    expect(errorLines()).toEqual([]);
    await expectHealthy();
  });

  it('answers malformed JSON, correctly signed, with 400 and stores nothing', async () => {
    const before = await stored();
    for (const text of ['{', '{"object":"page",', 'null,', '{"a":1}}', '\u0000', "{'a':1}", '[1,]']) {
      const raw = Buffer.from(text);
      const res = await post(raw, sign(channel, raw));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/JSON/);
    }
    expect(await stored()).toBe(before);
  });

  it('answers a forged signature as invalid and a missing one as missing', async () => {
    const raw = Buffer.from(fixture(channel, FIXTURES[channel][0]));
    const [name, good] = Object.entries(sign(channel, raw))[0];
    const forged = good.slice(0, -4) + (good.endsWith('0000') ? '1111' : '0000');
    const wrong = await post(raw, { [name]: forged });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toBe('invalid signature');
    const missing = await post(raw, {});
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('missing signature');
  });

  it('answers a body over the limit with 413, naming the real limit, and stores nothing', async () => {
    const before = await stored();
    const huge = JSON.parse(fixture(channel, FIXTURES[channel][0])) as Record<string, unknown>;
    huge.padding = 'x'.repeat(1_100_000);
    const raw = Buffer.from(JSON.stringify(huge));
    const res = await post(raw, sign(channel, raw));
    expect(res.status).toBe(413);
    // The webhook limit (1 MiB), not the 100 kB of the JSON API.
    expect(res.body.error).toContain(String(1024 * 1024));
    expect(await stored()).toBe(before);
    await expectHealthy();
  });
});
