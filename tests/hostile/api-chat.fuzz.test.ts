/**
 * Hostile input against the web chat API: whatever arrives, the answer is a 2xx or a
 * 4xx with a message — never a 5xx — and the server keeps answering afterwards.
 */
import fc from 'fast-check';
import { nastyChar } from '../support/nasty-text';
import request from 'supertest';
import { buildTestApp } from '../support/app';

const { app, db } = buildTestApp();
afterAll(() => db.close());

const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.array(nastyChar, { maxLength: 200 }).map((a) => a.join('')),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'greeting',
    '#next',
    '#all',
    'proc.id_card',
    '{{office.address}}',
  ),
);

async function expectHealthy() {
  const res = await request(app).post('/api/chat').send({ userId: 'canary', text: 'xin chào' });
  expect(res.status).toBe(200);
}

describe('POST /api/chat under hostile input', () => {
  it('answers any JSON value with 200 or 400, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (body) => {
        const res = await request(app)
          .post('/api/chat')
          .set('content-type', 'application/json')
          .send(JSON.stringify(body));
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) expect(typeof res.body.error).toBe('string');
      }),
      { numRuns: 150 },
    );
    await expectHealthy();
  });

  it('answers well-formed requests with nasty text (control, RTL, zero-width, lone surrogates)', async () => {
    await fc.assert(
      fc.asyncProperty(nastyString, nastyString, fc.boolean(), async (userId, text, asPayload) => {
        const body = asPayload ? { userId, payload: text } : { userId, text };
        const res = await request(app).post('/api/chat').send(body);
        expect([200, 400]).toContain(res.status);
        if (res.status === 200) {
          expect(Array.isArray(res.body.replies)).toBe(true);
          expect(res.body.replies.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200 },
    );
    await expectHealthy();
  });

  it('answers mutated raw bytes (truncated, bit-flipped, invalid UTF-8) with a 4xx', async () => {
    const valid = Buffer.from(JSON.stringify({ userId: 'u1', text: 'làm thẻ căn cước ở đâu' }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.nat(valid.length),
        async (flips, cut) => {
          const bytes = Buffer.from(valid.subarray(0, Math.max(cut, 1)));
          for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
          const res = await request(app)
            .post('/api/chat')
            .set('content-type', 'application/json')
            .send(bytes);
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    await expectHealthy();
  });

  it('rejects deep nesting and huge strings without falling over', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const nested = await request(app).post('/api/chat').set('content-type', 'application/json').send(deep);
    expect([400, 413]).toContain(nested.status);
    const huge = await request(app)
      .post('/api/chat')
      .send({ userId: 'u1', text: 'á'.repeat(30_000) });
    expect(huge.status).toBe(400);
    const tooBig = await request(app)
      .post('/api/chat')
      .send({ userId: 'u1', text: 'a'.repeat(300_000) });
    expect(tooBig.status).toBe(413);
    await expectHealthy();
  });

  it('answers a wrong content type with 400, not a crash', async () => {
    const res = await request(app).post('/api/chat').set('content-type', 'text/plain').send('xin chào');
    expect(res.status).toBe(400);
    await expectHealthy();
  });
});
