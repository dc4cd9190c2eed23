/**
 * Benchmark of the interaction log and the reach report:
 *   - write rate of InteractionLog.record (the reply path): messages handled in one
 *     event-loop turn share a commit (concurrent webhooks); the one-message-per-turn rate
 *     (every row its own commit) is printed too;
 *   - catching the daily rollups up on all rows (once; in service they are refreshed before
 *     every report, so only the rows since the last one are folded in);
 *   - the quarter overview (reach report + daily chart series) over 1,000,000 interactions.
 * Targets: ≥ 20,000 rows/s and < 500 ms. Uses a temporary database; `--rows N` changes the size.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TurnResult as Responded } from '../src/runtime';
import type { ChannelName, IncomingMessage } from '../src/dialogue/types';
import { cleanText, foldAccents } from '../src/nlu/normalise';
import { createLogger } from '../src/logger';
import { startBackgroundCheckpoints } from '../src/store/checkpointer';
import { openDatabase } from '../src/store/db';
import { openEngine } from '../src/store/engine';
import { InteractionLog } from '../src/store/interactions';
import { Reports } from '../src/store/reports';
import { seededRandom } from './support/seeded-random';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const ROWS = Number(values.rows);
if (!Number.isInteger(ROWS) || ROWS < 1000) {
  console.error(`--rows: expected a whole number of at least 1000 (got "${values.rows}")`);
  process.exit(2);
}

/** Messages handled in one event-loop turn; they share one commit. */
const BURST = 50;
const CHANNELS: ChannelName[] = ['zalo', 'zalo', 'zalo', 'messenger', 'messenger', 'web', 'telegram'];
const INTENTS = [
  'proc.id_card',
  'dvc.submit',
  'dvc.account',
  'vneid.level2',
  'vneid.account',
  'proc.residence',
  'proc.land',
  'hotline.1022',
  'greeting',
  'thanks',
  'dean06.about',
  'proc.civil_status',
  null,
  null,
];
const QUESTIONS = [
  'giá vàng hôm nay',
  'xin số điện thoại chủ tịch xã',
  'thời tiết mai thế nào',
  'đăng ký kết hôn với người nước ngoài',
  'cấp lại sổ đỏ bị cháy',
  'mất ví thì làm sao',
];
const FOLDED = new Map(
  [...QUESTIONS, 'làm căn cước gắn chip ở đâu'].map((q) => [q, foldAccents(cleanText(q))] as const),
);
const CITIZENS = Math.round(ROWS / 6);
const START = Date.parse('2026-01-01T00:00:00+07:00');
const SPAN = Date.parse('2026-04-01T00:00:00+07:00') - START;

// Seeded, so every run logs the same traffic.
const random = seededRandom(42);
const turn = () => new Promise((resolve) => setImmediate(resolve));
const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;
const fmt = (n: number) => Math.round(n).toLocaleString('en');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-bench-'));
  const db = openDatabase(path.join(dir, 'bench.sqlite'));
  // As the server runs: WAL checkpoints on a worker thread, off the write path.
  const checkpoints = startBackgroundCheckpoints(db, createLogger('warn'));
  const log = new InteractionLog(db);
  const reports = new Reports(openEngine({ sqlite: db }));

  // Citizens write in conversations of a few messages, as in the demo data and real chats.
  let citizen = 0;
  let left = 0;
  const recordOne = (i: number) => {
    if (left-- <= 0) {
      citizen = Math.floor(random() * CITIZENS);
      left = Math.floor(random() * 4);
    }
    const answer = INTENTS[Math.floor(random() * INTENTS.length)];
    const message: IncomingMessage = {
      channel: CHANNELS[citizen % CHANNELS.length],
      userId: `user-${citizen}`,
      messageId: `m${i}`,
      text: answer ? 'làm căn cước gắn chip ở đâu' : QUESTIONS[i % QUESTIONS.length],
      timestamp: START + Math.floor((i / ROWS) * SPAN),
    };
    const result: Responded = {
      reply: {
        blocks: [
          { type: 'text', text: 'x' },
          { type: 'text', text: 'y' },
        ],
        quickReplies: [],
      },
      intent: answer,
      confidence: answer ? 0.8 : 0.2,
      answerId: answer,
      // What the engine's classifier hands over (computed before the log, not timed here).
      normalisedText: FOLDED.get(message.text!) ?? null,
      contentVersion: 'bench',
      userKey: `k${citizen}`.padEnd(32, '0'),
      interactionId: null,
    };
    if (log.record(message, result, 3 + Math.floor(random() * 40), 'delivered') === null)
      throw new Error('record failed');
  };

  // Worst case first: one message per event-loop turn, every row its own commit.
  const singles = Math.min(20_000, Math.floor(ROWS / 10));
  let t = process.hrtime.bigint();
  for (let i = 0; i < singles; i++) {
    recordOne(i);
    await turn();
  }
  const singleRate = singles / (ms(t) / 1000);

  t = process.hrtime.bigint();
  let lap = t;
  // The longest batch (its inserts and its commit, with any WAL checkpoint): the log's worst pause.
  let batchStart = t;
  let worstBatchMs = 0;
  for (let i = singles; i < ROWS; i++) {
    recordOne(i);
    if ((i + 1) % BURST === 0) {
      await turn();
      worstBatchMs = Math.max(worstBatchMs, ms(batchStart));
      batchStart = process.hrtime.bigint();
    }
    if ((i + 1) % 250_000 === 0) {
      console.log(`  ${fmt(i + 1)} rows logged (${fmt(250_000 / (ms(lap) / 1000))} rows/s)`);
      lap = process.hrtime.bigint();
    }
  }
  await turn();
  const rate = (ROWS - singles) / (ms(t) / 1000);

  t = process.hrtime.bigint();
  await reports.refresh();
  const catchUpMs = ms(t);

  const quarter = { from: '2026-01-01', to: '2026-03-31' };
  const timings: number[] = [];
  let report = await reports.reach(quarter);
  for (let i = 0; i < 5; i++) {
    // Between two dashboard loads a little new traffic arrives and is folded in.
    for (let j = 0; j < 100; j++) recordOne(ROWS + i * 100 + j);
    await turn();
    t = process.hrtime.bigint();
    report = await reports.reach(quarter);
    await reports.daily(quarter);
    timings.push(ms(t));
  }
  timings.sort((a, b) => a - b);
  const overviewMs = timings[Math.floor(timings.length / 2)];
  t = process.hrtime.bigint();
  await reports.reach(quarter, 'zalo');
  const zaloMs = ms(t);

  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  console.log('');
  console.log(`interactions logged:          ${fmt(ROWS)} (${fmt(CITIZENS)} citizens, Q1 2026)`);
  console.log(
    `log write rate:               ${fmt(rate)} rows/s (target ≥ 20,000) ${pass(rate >= 20_000)}  [${BURST} messages per synchronous batch share a commit]`,
  );
  console.log(`  one message per batch:      ${fmt(singleRate)} rows/s (each row its own commit)`);
  console.log(`  longest batch:              ${worstBatchMs.toFixed(1)} ms (${BURST} rows and their commit)`);
  console.log(`rollup catch-up (one-off):    ${fmt(catchUpMs)} ms for ${fmt(ROWS)} rows`);
  console.log(
    `quarter overview (median/5):  ${overviewMs.toFixed(1)} ms (target < 500) ${pass(overviewMs < 500)}  [report + daily series, 100 new rows folded in each time]`,
  );
  console.log(`quarter overview, Zalo only:  ${zaloMs.toFixed(1)} ms`);
  console.log(
    `  unique citizens ${fmt(report.uniqueCitizens)}, conversations ${fmt(report.conversations)}, messages in ${fmt(report.messagesIn)}, ` +
      `fallback rate ${(report.fallbackRate * 100).toFixed(1)}%, median latency ${report.medianLatencyMs} ms`,
  );
  log.flush();
  await checkpoints.stop();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (rate < 20_000 || overviewMs >= 500) process.exitCode = 1;
}

void main();
