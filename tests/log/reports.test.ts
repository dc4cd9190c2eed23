import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TurnResult as Responded } from '../../src/runtime';
import { loggedNormalised } from '../../src/runtime/log';
import type { ChannelName } from '../../src/dialogue/types';
import { openDatabase, type Db } from '../../src/store/db';
import { migrations } from '../../src/store/migrations';
import { InteractionLog } from '../../src/store/interactions';
import { periodRange, presetRange, Reports, type DateRange } from '../../src/store/reports';
import { openEngine } from '../../src/store/engine';
import { tempDir } from '../support/app';

const run = promisify(execFile);
const TSX = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const Q1: DateRange = { from: '2026-01-01', to: '2026-03-31' };
/** Vietnam local time → epoch ms. */
const vn = (local: string) => Date.parse(`${local}+07:00`);

interface Event {
  user: string;
  channel: ChannelName;
  at: string;
  answer?: string;
  text?: string;
  latency: number;
  replies: number;
}

/**
 * The fixed fixture. Hand-computed for Q1 2026 (all channels):
 *   in range: A×3 (zalo), B×2 (zalo), C×1 (web) → 6 messages in; replies 2+1+1+2+1+1 = 8 out
 *   answered 4, fallbacks 2 → fallback rate 1/3; unique 3; new 2 (B, C; A first came in 2025)
 *   conversations: A 09:00 and 10:00 (50-minute gap), B 08:00, C → 4
 *   latencies 20 30 40 50 60 70 → median 45; topics proc 2, dvc 1, vneid 1
 *   D (00:10 on 1 April) and E (23:59 on 31 Dec) fall outside the range.
 */
const EVENTS: Event[] = [
  { user: 'A', channel: 'zalo', at: '2025-12-20T10:00', answer: 'proc.id_card', latency: 10, replies: 1 },
  { user: 'E', channel: 'telegram', at: '2025-12-31T23:59', answer: 'greeting', latency: 5, replies: 1 },
  { user: 'A', channel: 'zalo', at: '2026-01-05T09:00', answer: 'proc.id_card', latency: 20, replies: 2 },
  { user: 'A', channel: 'zalo', at: '2026-01-05T09:10', answer: 'proc.id_card', latency: 30, replies: 1 },
  { user: 'A', channel: 'zalo', at: '2026-01-05T10:00', text: 'Giá vàng hôm nay?', latency: 40, replies: 1 },
  { user: 'B', channel: 'zalo', at: '2026-02-10T08:00', answer: 'dvc.submit', latency: 50, replies: 2 },
  { user: 'B', channel: 'zalo', at: '2026-02-10T08:05', text: 'gia vang hom nay!!', latency: 60, replies: 1 },
  { user: 'C', channel: 'web', at: '2026-03-31T23:30', answer: 'vneid.level2', latency: 70, replies: 1 },
  { user: 'D', channel: 'web', at: '2026-04-01T00:10', answer: 'vneid.level2', latency: 80, replies: 1 },
];

function record(log: InteractionLog, e: Event): number {
  const responded: Responded = {
    reply: {
      blocks: Array.from({ length: e.replies }, () => ({ type: 'text', text: 'x' })),
      quickReplies: [],
    },
    intent: e.answer ?? null,
    confidence: e.answer ? 0.9 : 0.1,
    answerId: e.answer ?? null,
    // What the runtime's log step hands the store: the redacted text, folded.
    normalisedText: loggedNormalised(e.text ?? 'câu hỏi', null),
    contentVersion: 'fixture',
    userKey: `user-${e.user}`,
    interactionId: null,
  };
  const id = log.record(
    {
      channel: e.channel,
      userId: e.user,
      messageId: `${e.user}-${e.at}`,
      text: e.text ?? 'câu hỏi',
      timestamp: vn(e.at),
    },
    responded,
    e.latency,
    'delivered',
  );
  if (id === null) throw new Error('not recorded');
  return id;
}

async function fixture(): Promise<{ db: Db; file: string; reports: Reports }> {
  const file = path.join(tempDir(), 'report.sqlite');
  const db = openDatabase(file);
  const log = new InteractionLog(db);
  const reports = new Reports(openEngine({ sqlite: db }));
  const ids = EVENTS.slice(0, 5).map((e) => record(log, e));
  // A refresh half-way must not change the result: rollups are incremental.
  await reports.refresh();
  ids.push(...EVENTS.slice(5).map((e) => record(log, e)));
  log.markDelivery(ids[3], 'failed', 'zalo said no');
  const fb = db.prepare(
    'INSERT INTO feedback (ts, channel, user_key, interaction_id, answer_id, rating) VALUES (?, ?, ?, ?, ?, ?)',
  );
  fb.run(vn('2026-01-05T09:01'), 'zalo', 'user-A', ids[2], 'proc.id_card', 1);
  fb.run(vn('2026-02-10T08:01'), 'zalo', 'user-B', ids[5], 'dvc.submit', -1);
  fb.run(vn('2026-04-01T00:11'), 'web', 'user-D', ids[8], 'vneid.level2', 1);
  const click = db.prepare(
    'INSERT INTO clicks (ts, token, channel, user_key, answer_id, url) VALUES (?, ?, ?, ?, ?, ?)',
  );
  click.run(vn('2026-01-05T09:02'), 't1', 'zalo', 'user-A', 'proc.id_card', 'https://dichvucong.gov.vn');
  click.run(vn('2026-03-31T23:31'), 't2', 'web', 'user-C', 'vneid.level2', 'https://vneid.gov.vn');
  click.run(vn('2026-04-02T10:00'), 't3', 'web', 'user-D', 'vneid.level2', 'https://vneid.gov.vn');
  const handoff = db.prepare(
    'INSERT INTO handoffs (ts, channel, user_key, last_messages) VALUES (?, ?, ?, ?)',
  );
  handoff.run(vn('2026-02-10T08:06'), 'zalo', 'user-B', '[]');
  handoff.run(vn('2025-12-31T12:00'), 'telegram', 'user-E', '[]');
  return { db, file, reports };
}

describe('reach report on a fixed fixture', () => {
  let db: Db;
  let file: string;
  let reports: Reports;
  beforeAll(async () => {
    ({ db, file, reports } = await fixture());
  });
  afterAll(() => db.close());

  it('equals the hand-computed figures for the quarter, all channels', async () => {
    const r = await reports.reach(Q1);
    expect(r).toMatchObject({
      uniqueCitizens: 3,
      newCitizens: 2,
      returningCitizens: 1,
      conversations: 4,
      messagesIn: 6,
      messagesOut: 8,
      answered: 4,
      fallbacks: 2,
      handoffs: 1,
      feedbackUp: 1,
      feedbackDown: 1,
      satisfactionRate: 0.5,
      linkClicks: 2,
      medianLatencyMs: 45,
      failedDeliveries: 1,
    });
    expect(r.fallbackRate).toBeCloseTo(1 / 3, 10);
    expect(r.topics).toEqual([
      { key: 'proc', n: 2 },
      { key: 'dvc', n: 1 },
      { key: 'vneid', n: 1 },
    ]);
    expect(r.intents).toEqual([
      { key: 'proc.id_card', n: 2 },
      { key: 'dvc.submit', n: 1 },
      { key: 'vneid.level2', n: 1 },
    ]);
    // Two differently typed questions group under one normalised text; the example is redacted text.
    expect(r.unanswered).toEqual([{ normalised: 'gia vang hom nay', n: 2, example: expect.any(String) }]);
  });

  it('filters one channel', async () => {
    expect(await reports.reach(Q1, 'zalo')).toMatchObject({
      uniqueCitizens: 2,
      newCitizens: 1,
      returningCitizens: 1,
      conversations: 3,
      messagesIn: 5,
      messagesOut: 7,
      fallbacks: 2,
      linkClicks: 1,
      handoffs: 1,
      medianLatencyMs: 40,
    });
    expect(await reports.reach(Q1, 'web')).toMatchObject({
      uniqueCitizens: 1,
      messagesIn: 1,
      medianLatencyMs: 70,
    });
    expect(await reports.reach(Q1, 'messenger')).toMatchObject({
      uniqueCitizens: 0,
      messagesIn: 0,
      medianLatencyMs: null,
    });
  });

  it('cuts days at Vietnam midnight', async () => {
    expect(await reports.reach({ from: '2026-04-01', to: '2026-04-01' })).toMatchObject({
      uniqueCitizens: 1,
      messagesIn: 1,
    });
    expect(await reports.reach({ from: '2025-12-31', to: '2025-12-31' })).toMatchObject({
      messagesIn: 1,
      handoffs: 1,
    });
  });

  it('draws daily series for the charts', async () => {
    const d = await reports.daily({ from: '2026-01-05', to: '2026-01-06' });
    expect(d.days).toEqual(['2026-01-05', '2026-01-06']);
    expect(d.citizens).toEqual({ zalo: [1, 0] });
    expect(d.fallbackRate).toEqual([1 / 3, null]);
  });

  it('resolves presets and named periods', () => {
    expect(periodRange('2026-Q1')).toEqual(Q1);
    expect(periodRange('2026-H2')).toEqual({ from: '2026-07-01', to: '2026-12-31' });
    expect(periodRange('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(periodRange('2026')).toEqual({ from: '2026-01-01', to: '2026-12-31' });
    // 1 April 01:00 in Vietnam is still 31 March in UTC.
    expect(presetRange('quarter', vn('2026-04-01T01:00'))).toEqual({ from: '2026-04-01', to: '2026-06-30' });
    expect(presetRange('half-year', vn('2026-03-01T12:00'))).toEqual({
      from: '2026-01-01',
      to: '2026-06-30',
    });
  });

  describe('npm run report', () => {
    const cli = (...args: string[]) => run(TSX, ['scripts/report.ts', '--db', file, ...args]);

    it('prints the same figures as JSON, CSV and a table', async () => {
      const json = JSON.parse(
        (await cli('--from', '2026-01-01', '--to', '2026-03-31', '--format', 'json')).stdout,
      );
      expect(json).toMatchObject({ uniqueCitizens: 3, messagesIn: 6, conversations: 4, medianLatencyMs: 45 });
      const csv = (await cli('--period', '2026-Q1', '--channel', 'zalo', '--format', 'csv')).stdout;
      expect(csv).toContain('unique_citizens,2\r\n');
      expect(csv).toContain('topic:proc,2\r\n');
      const table = (await cli('--period', '2026-Q1')).stdout;
      expect(table).toMatch(/messages_in\s+6/);
    });

    it('exports the grouped unanswered questions as CSV', async () => {
      const { stdout } = await cli('--period', '2026-Q1', '--unanswered');
      expect(stdout.split('\r\n')[0]).toBe('count,normalised_question,example');
      expect(stdout.split('\r\n')[1]).toMatch(/^2,gia vang hom nay,/);
    });

    it.each([
      [['--from', '2026-13-01', '--to', '2026-03-31'], /--from: expected a date written YYYY-MM-DD/],
      [['--from', '2026-03-31', '--to', '2026-01-01'], /--from \(2026-03-31\) is after --to/],
      [['--from', '2026-01-01'], /--from and --to go together/],
      [['--period', '2026-Q5'], /--period: expected 2026-03/],
      [['--period', '2026', '--format', 'xml'], /--format: expected table, csv or json/],
      [['--period', '2026', '--channel', 'fax'], /--channel: expected one of web, zalo/],
      [['--period', '2026', '--bogus'], /Unknown option '--bogus'/],
      [[], /Give the period one way/],
    ])('rejects %j with a clear message', async (args, message) => {
      const error = await cli(...args).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(error?.code).toBe(2);
      expect(error?.stderr).toMatch(message);
      expect(error?.stderr).toContain('usage: npm run report');
    });
  });
});

describe('controls, guide steps and stickers are not questions', () => {
  /** One citizen's morning on 10 January: only two of these messages are questions. */
  const STEPS: {
    text?: string;
    payload?: string;
    answer: string | null;
    control?: 'feedback' | 'erase';
    guideStep?: boolean;
  }[] = [
    { text: 'làm căn cước ở đâu', answer: 'proc.id_card' },
    { payload: '#next', answer: 'proc.id_card' },
    { payload: '#all', answer: 'proc.id_card' },
    { text: 'tiếp', answer: 'proc.id_card', guideStep: true },
    { payload: '#unsupported', answer: null },
    { payload: '#fb:up:1', answer: null, control: 'feedback' },
    { text: 'xóa dữ liệu của tôi', answer: null, control: 'erase' },
    // '#next' after the guide expired gets the fallback text, but it is still no question.
    { payload: '#next', answer: null },
    { text: 'Giá vàng hôm nay?', answer: null },
  ];

  function logSteps(log: InteractionLog) {
    STEPS.forEach((s, i) => {
      const responded: Responded = {
        reply: { blocks: [{ type: 'text', text: 'x' }], quickReplies: [] },
        intent: s.answer,
        confidence: s.answer ? 1 : 0,
        answerId: s.answer,
        normalisedText: loggedNormalised(s.text, null),
        contentVersion: 'fixture',
        userKey: 'user-G',
        interactionId: null,
        control: s.control,
        guideStep: s.guideStep,
      };
      const message = {
        channel: 'telegram' as const,
        userId: 'G',
        messageId: `G-${i}`,
        text: s.text,
        payload: s.payload,
        timestamp: vn(`2026-01-10T09:0${i}`),
      };
      expect(log.record(message, responded, 10, 'delivered')).not.toBeNull();
    });
  }

  const expected = {
    messagesIn: 9,
    answered: 1,
    fallbacks: 1,
    fallbackRate: 0.5,
    conversations: 1,
    uniqueCitizens: 1,
    intents: [{ key: 'proc.id_card', n: 1 }],
    topics: [{ key: 'proc', n: 1 }],
    unanswered: [{ normalised: 'gia vang hom nay', n: 1, example: 'Giá vàng hôm nay?' }],
  };

  it('counts one answered question and one fallback among nine messages', async () => {
    const db = openDatabase(path.join(tempDir(), 'controls.sqlite'));
    logSteps(new InteractionLog(db));
    expect(db.prepare('SELECT kind FROM interactions ORDER BY id').pluck().all()).toEqual([
      'answer',
      'guide',
      'guide',
      'guide',
      'unsupported',
      'feedback',
      'erase',
      'guide',
      'fallback',
    ]);
    expect(await new Reports(openEngine({ sqlite: db })).reach(Q1)).toMatchObject(expected);
    db.close();
  });

  it('migration 201 reclassifies rows logged before, and rebuilds the rollups', async () => {
    const file = path.join(tempDir(), 'old.sqlite');
    let db = openDatabase(
      file,
      migrations.filter((m) => m.version <= 200),
    );
    // Today's log also writes the columns of version 203 (procedure, facets): add them for the
    // writing, then drop them again so the reopening below migrates a version-200 file.
    const v203 = migrations.find((m) => m.version === 203)!;
    db.exec(v203.up);
    const log = new InteractionLog(db);
    logSteps(log);
    db.exec(
      'DROP INDEX interactions_procedure; ALTER TABLE interactions DROP COLUMN procedure; ALTER TABLE interactions DROP COLUMN facets',
    );
    // As the old log wrote them: media and expired guide taps as fallbacks, steps as answers.
    db.exec(`UPDATE interactions SET kind = CASE WHEN answer_id IS NULL THEN 'fallback' ELSE 'answer' END
             WHERE kind IN ('guide', 'unsupported')`);
    // Read the rollups directly: today's Reports also reads tables added after version 200.
    await new Reports(openEngine({ sqlite: db })).refresh();
    expect(
      db.prepare('SELECT sum(answered) AS answered, sum(fallbacks) AS fallbacks FROM daily_stats').get(),
    ).toEqual({ answered: 4, fallbacks: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    db.close();
    db = openDatabase(file);
    expect(await new Reports(openEngine({ sqlite: db })).reach(Q1)).toMatchObject({
      ...expected,
      // The free-text "tiếp" of an old row cannot be told from a question any more.
      answered: 2,
      fallbackRate: 1 / 3,
      intents: [{ key: 'proc.id_card', n: 2 }],
      topics: [{ key: 'proc', n: 2 }],
    });
    db.close();
  });
});
