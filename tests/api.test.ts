import request from 'supertest';
import { buildTestApp } from './support/app';

describe('POST /api/chat', () => {
  const { app, db } = buildTestApp();
  afterAll(() => db.close());

  it('answers a greeting with replies and the intent', async () => {
    const res = await request(app).post('/api/chat').send({ userId: 'u1', text: 'xin chào' });
    expect(res.status).toBe(200);
    expect(res.body.intent).toBe('greeting');
    // The first reply to a new citizen starts with the privacy notice; the answer comes last.
    expect(res.body.replies.at(-1)).toEqual({ type: 'text', text: expect.stringContaining('Xin chào') });
    expect(res.body.confidence).toBeGreaterThan(0.5);
  });

  it('routes a payload straight to its intent, skipping the classifier', async () => {
    const res = await request(app).post('/api/chat').send({ userId: 'u1', payload: 'proc.id_card' });
    expect(res.body).toMatchObject({ intent: 'proc.id_card', confidence: 1 });
  });

  it('never treats free text that looks like an intent id as a tap', async () => {
    const res = await request(app).post('/api/chat').send({ userId: 'u1', text: 'proc.id_card' });
    expect(res.body.confidence).toBeLessThan(1);
  });

  it('falls back with the main topics and the hotline when it does not understand', async () => {
    const res = await request(app).post('/api/chat').send({ userId: 'u2', text: 'giá vàng hôm nay' });
    expect(res.body.intent).toBeNull();
    expect(res.body.replies.at(-1).text).toMatch(/chưa hiểu/);
    expect(res.body.replies.at(-1).text).toContain('1022');
    expect(res.body.quickReplies.length).toBeGreaterThan(0);
    expect(res.body.replies.at(-1).text).not.toContain('{{');
  });

  it.each([
    ['not JSON', '{"userId": "u1", text', 'application/json', /not valid JSON/],
    ['a missing userId', JSON.stringify({ text: 'xin chào' }), 'application/json', /userId/],
    [
      'a number as text',
      JSON.stringify({ userId: 'u1', text: 42 }),
      'application/json',
      /text: expected a string/,
    ],
    ['no text or payload', JSON.stringify({ userId: 'u1' }), 'application/json', /exactly one of/],
    [
      'both text and payload',
      JSON.stringify({ userId: 'u1', text: 'a', payload: 'greeting' }),
      'application/json',
      /exactly one of/,
    ],
    ['empty text', JSON.stringify({ userId: 'u1', text: '   ' }), 'application/json', /non-empty/],
    [
      'text over 2,000 characters',
      JSON.stringify({ userId: 'u1', text: 'a'.repeat(2001) }),
      'application/json',
      /at most 2000/,
    ],
    ['an array body', JSON.stringify([1, 2]), 'application/json', /expected a JSON object/],
    [
      'an unknown field',
      JSON.stringify({ userId: 'u1', text: 'hi', admin: true }),
      'application/json',
      /admin/,
    ],
  ])('rejects %s with 400 and a clear message', async (_what, body, type, message) => {
    const res = await request(app).post('/api/chat').set('content-type', type).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    // …and keeps serving.
    const next = await request(app).post('/api/chat').send({ userId: 'u1', text: 'xin chào' });
    expect(next.status).toBe(200);
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await request(app)
      .post('/api/chat')
      .send({ userId: 'u1', text: 'a'.repeat(200_000) });
    expect(res.status).toBe(413);
  });
});

describe('GET /healthz', () => {
  const { app, db, knowledge } = buildTestApp();
  afterAll(() => db.close());

  it('reports the content version and the database state', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, contentVersion: knowledge.current.knowledge.version, db: 'ok' });
    expect(res.body.contentVersion).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('static web chat', () => {
  const { app, db } = buildTestApp();
  afterAll(() => db.close());

  it('serves the page and the embeddable widget from this server', async () => {
    const page = await request(app).get('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('lang="vi"');
    expect(page.text).not.toMatch(/https?:\/\//); // no CDN
    const widget = await request(app).get('/widget.js');
    expect(widget.status).toBe(200);
    expect(widget.headers['content-type']).toMatch(/javascript/);
  });
});
