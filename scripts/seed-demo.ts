/**
 * Fills a demo database with a realistic quarter of traffic so a new user sees a living
 * dashboard: thousands of citizens on four channels, questions answered by the real
 * classifier from the bundled training phrases, unanswered questions, feedback, link
 * clicks and handoff requests.
 *
 *   npm run seed:demo [-- --db data/demo.sqlite --citizens 4000 --period 2026-Q3 --reset]
 *   DATABASE_PATH=data/demo.sqlite ADMIN_PASSWORD=demo npm start   → http://localhost:3000/admin
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { TurnResult as Responded } from '../src/runtime';
import type { ChannelName } from '../src/dialogue/types';
import { pseudonymize } from '../src/privacy/pseudonym';
import { redact } from '../src/store/redact';
import { openDatabase } from '../src/store/db';
import { openEngine } from '../src/store/engine';
import { InteractionLog } from '../src/store/interactions';
import { periodRange, presetRange, rangeBounds, ReportInputError, Reports } from '../src/store/reports';
import { cliBrain, cliConfig, runCli } from './cli-support';
import { seededRandom } from './support/seeded-random';

const USAGE =
  'usage: npm run seed:demo -- [--db data/demo.sqlite] [--citizens 4000] [--period 2026-Q3] [--reset]';

/** Share of citizens per channel: Zalo first, as in Vietnamese communes. */
const CHANNEL_MIX: [ChannelName, number][] = [
  ['zalo', 0.5],
  ['messenger', 0.25],
  ['web', 0.15],
  ['telegram', 0.1],
];
/** Questions the bot does not know, as citizens type them (some with personal data to redact). */
const UNANSWERED = [
  'giá vàng hôm nay bao nhiêu',
  'thời tiết ngày mai thế nào',
  'xin số điện thoại chủ tịch phường',
  'đăng ký kết hôn với người nước ngoài cần gì',
  'cấp lại sổ đỏ bị cháy mất',
  'tôi muốn khiếu nại hàng xóm lấn đất',
  'bao giờ có tiền hỗ trợ bão lụt',
  'đổi bằng lái quốc tế ở đâu',
  'số cccd của tôi 001234567890 bị khóa',
  'gọi lại cho tôi 0912 345 678',
  'làm hộ chiếu cho trẻ em',
  'thủ tục nhận con nuôi',
];

const random = seededRandom(2026);
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

void runCli(async () => {
  let values;
  try {
    values = parseArgs({
      options: {
        db: { type: 'string', default: 'data/demo.sqlite' },
        citizens: { type: 'string', default: '4000' },
        period: { type: 'string' },
        reset: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  const citizens = Number(values.citizens);
  if (!Number.isInteger(citizens) || citizens < 10 || citizens > 1_000_000)
    fail(`--citizens: expected a whole number from 10 to 1000000 (got "${values.citizens}")`);
  let range;
  try {
    // Default: the quarter that ends today, so the dashboard's "Quý này" is not empty.
    range = values.period ? periodRange(values.period) : presetRange('quarter');
  } catch (err) {
    if (err instanceof ReportInputError) fail(err.message);
    throw err;
  }
  const file = values.db!;
  if (fs.existsSync(file)) {
    if (!values.reset) fail(`${file} already exists: pass --reset to replace it.`);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  }

  const config = cliConfig();
  const brain = cliBrain(config);
  const phrases = brain.knowledge.intents.flatMap((i) => i.phrases.map((p) => ({ intent: i.id, text: p })));
  const db = openDatabase(file);
  const log = new InteractionLog(db);
  const [start, rangeEnd] = rangeBounds(range);
  const end = Math.min(rangeEnd, Date.now());
  const span = end - start;
  if (span <= 0) fail(`${range.from}…${range.to} has not started yet: choose a past --period.`);

  const insertFeedback = db.prepare(
    'INSERT INTO feedback (ts, channel, user_key, interaction_id, answer_id, rating) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertLink = db.prepare(
    'INSERT INTO links (token, url, ts, channel, user_key, answer_id) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertClick = db.prepare(
    'INSERT INTO clicks (ts, token, channel, user_key, answer_id, url) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertHandoff = db.prepare(
    'INSERT INTO handoffs (ts, channel, user_key, last_messages, status, done_at) VALUES (?, ?, ?, ?, ?, ?)',
  );

  let messages = 0;
  let tokens = 0;
  db.transaction(() => {
    for (let c = 0; c < citizens; c++) {
      let r = random();
      const channel = CHANNEL_MIX.find(([, share]) => (r -= share) < 0)?.[0] ?? 'zalo';
      const userId = `demo-${c}`;
      const userKey = pseudonymize(config.PSEUDONYM_SECRET, channel, userId);
      // Most citizens come once; some come back for a second or third conversation.
      const visits = random() < 0.7 ? 1 : random() < 0.7 ? 2 : 3;
      // Traffic grows over the quarter as the campaign spreads.
      let at = start + Math.sqrt(random()) * span * 0.9;
      const recent: string[] = [];
      for (let v = 0; v < visits && at < end; v++) {
        const turns = 1 + Math.floor(random() * 4);
        for (let m = 0; m < turns; m++) {
          const unanswered = random() < 0.12;
          const phrase = unanswered ? { intent: null, text: pick(UNANSWERED) } : pick(phrases);
          const classified = brain.classifier.classify(phrase.text);
          const answerId = unanswered ? null : phrase.intent;
          const answer = answerId ? brain.knowledge.answers.get(answerId) : undefined;
          const result: Responded = {
            reply: {
              blocks: [
                { type: 'text', text: answer?.summary ?? brain.knowledge.system.fallback },
                ...(answer?.links ?? []).map((l) => ({ type: 'link' as const, label: l.label, url: l.url })),
              ],
              quickReplies: [],
            },
            intent: answerId,
            confidence: unanswered
              ? Math.min(classified.confidence, 0.3)
              : Math.max(classified.confidence, 0.6),
            answerId,
            normalisedText: classified.normalised.folded,
            contentVersion: brain.knowledge.version,
            userKey,
            interactionId: null,
          };
          const latency = 4 + Math.round(random() * random() * 60);
          const id = log.record(
            {
              channel,
              userId,
              messageId: `demo-${c}-${v}-${m}`,
              text: phrase.text,
              timestamp: Math.round(at),
            },
            result,
            latency,
            random() < 0.01 ? 'failed' : 'delivered',
          );
          messages++;
          recent.push(redact(phrase.text));
          if (answerId && answerId !== 'handoff' && id !== null && random() < 0.25)
            insertFeedback.run(at + 20_000, channel, userKey, id, answerId, random() < 0.8 ? 1 : -1);
          for (const link of answer?.links ?? []) {
            const token = `demo${(tokens++).toString(36).padStart(8, '0')}`;
            insertLink.run(token, link.url, at, channel, userKey, answerId);
            if (random() < 0.3) insertClick.run(at + 40_000, token, channel, userKey, answerId, link.url);
          }
          if (answerId === 'handoff' || (unanswered && random() < 0.05)) {
            const done = random() < 0.8;
            insertHandoff.run(
              at + 1000,
              channel,
              userKey,
              JSON.stringify(recent.slice(-5)),
              done ? 'done' : 'open',
              done ? at + 3_600_000 : null,
            );
          }
          at += 20_000 + random() * 120_000;
        }
        at += 86_400_000 * (1 + random() * 30);
      }
    }
  })();
  log.flush();
  const report = await new Reports(openEngine({ sqlite: db })).reach(range);
  db.close();
  console.log(
    `Seeded ${file}: ${citizens.toLocaleString('en')} citizens, ${messages.toLocaleString('en')} messages, ` +
      `${range.from} → ${range.to} (${report.uniqueCitizens.toLocaleString('en')} active, fallback rate ${(report.fallbackRate * 100).toFixed(1)}%).`,
  );
  console.log(
    `Run the server on it:  DATABASE_PATH=${file} ADMIN_PASSWORD=demo npm start   → http://localhost:3000/admin`,
  );
});
