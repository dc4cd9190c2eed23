/**
 * Reach metrics over a date range, per channel or all together. Days are Vietnam days
 * (UTC+7, no daylight saving). Message counts come from daily rollups, brought up to date
 * incrementally (only rows logged since the last refresh) before every report, so a
 * quarter of a million interactions is read as a few thousand rollup rows.
 */
import { CHANNELS } from '../core/message';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { VN_OFFSET_MS, vietnamDayStart } from '../core/vietnam-day';
import type { Engine } from './engine';
import { vietnamDay } from './shared-erasure';
import { LOG_WRITE_LOCK } from './shared-interactions';
import type { StoreSchema } from './shared-schema';

export { CHANNELS, VN_OFFSET_MS };
const DAY_MS = 86_400_000;

/** An inclusive range of Vietnam days. */
export interface DateRange {
  from: string;
  to: string;
}

export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function checkDay(value: string, name: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  if (!ISO_DAY.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value)
    throw new ReportInputError(
      `${name}: expected a date written YYYY-MM-DD, e.g. 2026-01-01 (got "${value}")`,
    );
  return value;
}

export function checkRange(from: string, to: string): DateRange {
  checkDay(from, '--from');
  checkDay(to, '--to');
  if (from > to) throw new ReportInputError(`--from (${from}) is after --to (${to})`);
  return { from, to };
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const monthRange = (year: number, first: number, last: number): DateRange => ({
  from: `${year}-${pad(first)}-01`,
  to: `${year}-${pad(last)}-${pad(lastDay(year, last))}`,
});

/**
 * A named period: "2026-03" (month), "2026-Q1" (quarter), "2026-H1" (half-year), "2026" (year).
 */
export function periodRange(period: string): DateRange {
  let m: RegExpMatchArray | null;
  if ((m = period.match(/^(\d{4})-(\d{2})$/)) && +m[2] >= 1 && +m[2] <= 12)
    return monthRange(+m[1], +m[2], +m[2]);
  if ((m = period.match(/^(\d{4})-Q([1-4])$/i))) return monthRange(+m[1], +m[2] * 3 - 2, +m[2] * 3);
  if ((m = period.match(/^(\d{4})-H([12])$/i))) return monthRange(+m[1], +m[2] * 6 - 5, +m[2] * 6);
  if ((m = period.match(/^(\d{4})$/))) return monthRange(+m[1], 1, 12);
  throw new ReportInputError(
    `--period: expected 2026-03 (month), 2026-Q1 (quarter), 2026-H1 (half-year) or 2026 (year) (got "${period}")`,
  );
}

type Period = 'month' | 'quarter' | 'half-year' | 'year';
export type Preset = Period | `last-${Period}`;
export const PRESETS: readonly Preset[] = [
  'month',
  'quarter',
  'half-year',
  'year',
  'last-month',
  'last-quarter',
  'last-half-year',
  'last-year',
];

/**
 * The month, quarter, half-year or year (Vietnam time) containing `now`; `last-…` is the
 * one before it (last quarter of 2026-05-10 is 2026-01-01…2026-03-31).
 */
export function presetRange(preset: Preset, now: number = Date.now()): DateRange {
  if (preset.startsWith('last-')) {
    const period = preset.slice('last-'.length) as Period;
    return presetRange(period, rangeBounds(presetRange(period, now))[0] - DAY_MS);
  }
  const d = new Date(now + VN_OFFSET_MS);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  switch (preset) {
    case 'month':
      return monthRange(year, month, month);
    case 'quarter': {
      const q = Math.ceil(month / 3);
      return monthRange(year, q * 3 - 2, q * 3);
    }
    case 'half-year':
      return month <= 6 ? monthRange(year, 1, 6) : monthRange(year, 7, 12);
    default:
      return monthRange(year, 1, 12);
  }
}

/** Milliseconds bounds [start, end) of a Vietnam-day range. */
export function rangeBounds(range: DateRange): [number, number] {
  const start = vietnamDayStart(range.from);
  const end = vietnamDayStart(range.to) + DAY_MS;
  return [start, end];
}

/** Every day of a range, in order. */
export function daysOf(range: DateRange): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= Date.parse(`${range.to}T00:00:00Z`); t += DAY_MS)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The topic of an intent: its id up to the first dot ("proc.id_card" → "proc"). */
export const topicOf = (intent: string) => intent.split('.')[0];

export interface Count {
  key: string;
  n: number;
}

export interface UnansweredGroup {
  normalised: string;
  n: number;
  example: string | null;
}

export interface ReachReport {
  range: DateRange;
  channel: string | null;
  uniqueCitizens: number;
  newCitizens: number;
  returningCitizens: number;
  conversations: number;
  messagesIn: number;
  messagesOut: number;
  answered: number;
  fallbacks: number;
  /** fallbacks / (answered + fallbacks); 0 with no questions. */
  fallbackRate: number;
  topics: Count[];
  intents: Count[];
  /** Catalogue procedures answered, by code, most asked first (at most 20). */
  procedures: Count[];
  unanswered: UnansweredGroup[];
  handoffs: number;
  /** Officer replies that reached the citizen (sent, or shown in the web chat). */
  officerReplies: number;
  /** Handoff requests made in the range that got at least one delivered officer reply. */
  handoffsAnswered: number;
  feedbackUp: number;
  feedbackDown: number;
  /** up / (up + down); null with no feedback. */
  satisfactionRate: number | null;
  linkClicks: number;
  /** Median reply time in milliseconds; null with no messages. */
  medianLatencyMs: number | null;
  failedDeliveries: number;
}

export interface DailySeries {
  days: string[];
  /** Unique citizens per day, per channel. */
  citizens: Record<string, number[]>;
  /** Fallback rate per day (null on a day without questions). */
  fallbackRate: (number | null)[];
}

/** SQL for `when` counted as 0/1: SQLite sums booleans, PostgreSQL does not. */
const countIf = (when: RawBuilder<unknown>) =>
  sql<number>`CAST(sum(CASE WHEN ${when} THEN 1 ELSE 0 END) AS bigint)`;
/** A sum as a whole number on both engines (PostgreSQL's sum of a bigint is numeric, read as text). */
const total = (column: string) => sql<number>`CAST(coalesce(sum(${sql.ref(column)}), 0) AS bigint)`;

/** What the dashboard's feedback page shows (`Reports.downRated`). */
export interface DownRatedReport {
  byAnswer: { answer_id: string | null; n: number }[];
  items: { ts: number; channel: string; answer_id: string | null; question: string | null }[];
}

/**
 * The reports over the shared store (`engine.ts`): the same queries on SQLite and
 * PostgreSQL, written once; only the Vietnam day of a timestamp is spelled per engine.
 */
export class Reports {
  constructor(private readonly engine: Engine) {}

  /**
   * Folds interactions logged since the last call into the daily rollups. Cheap when called
   * often; the dashboard and the CLI call it before every report.
   */
  async refresh(): Promise<number> {
    const day = vietnamDay(this.engine.kind, 'ts');
    const to = await this.committedTop();
    return this.engine.db.transaction().execute(async (trx) => {
      // Two instances refreshing at once must not both fold the same rows: on PostgreSQL the
      // row is locked; SQLite runs one write transaction at a time anyway.
      const stateQuery = trx.selectFrom('rollup_state').select('last_id').where('id', '=', 1);
      const state = await (
        this.engine.kind === 'postgres' ? stateQuery.forUpdate() : stateQuery
      ).executeTakeFirstOrThrow();
      const from = Number(state.last_id);
      if (to <= from) return 0;
      const rows = sql`FROM interactions WHERE id > ${from} AND id <= ${to}`;
      await sql`
        INSERT INTO daily_stats (day, channel, messages_in, messages_out, answered, fallbacks, conversations)
          SELECT ${day}, channel, count(*), ${total('replies')}, ${countIf(sql`kind = 'answer'`)},
            ${countIf(sql`kind = 'fallback'`)}, ${total('conv_start')}
          ${rows} GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (day, channel) DO UPDATE SET
          messages_in = daily_stats.messages_in + excluded.messages_in,
          messages_out = daily_stats.messages_out + excluded.messages_out,
          answered = daily_stats.answered + excluded.answered,
          fallbacks = daily_stats.fallbacks + excluded.fallbacks,
          conversations = daily_stats.conversations + excluded.conversations`.execute(trx);
      await sql`
        INSERT INTO daily_intents (day, channel, intent, n)
          SELECT ${day}, channel, intent, count(*) ${rows} AND kind = 'answer' AND intent IS NOT NULL
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (day, channel, intent) DO UPDATE SET n = daily_intents.n + excluded.n`.execute(trx);
      await sql`
        INSERT INTO daily_users (day, channel, user_key)
          SELECT DISTINCT ${day}, channel, user_key ${rows} ORDER BY 1, 2, 3
        ON CONFLICT (day, channel, user_key) DO NOTHING`.execute(trx);
      await sql`
        INSERT INTO daily_latency (day, channel, latency_ms, n)
          SELECT ${day}, channel, latency_ms, count(*) ${rows} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (day, channel, latency_ms) DO UPDATE SET n = daily_latency.n + excluded.n`.execute(trx);
      await sql`
        INSERT INTO daily_unanswered (day, channel, normalised, n, example)
          SELECT ${day}, channel, normalised, count(*), max(text)
          ${rows} AND kind = 'fallback' AND normalised IS NOT NULL AND normalised <> ''
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (day, channel, normalised) DO UPDATE SET n = daily_unanswered.n + excluded.n,
          example = coalesce(daily_unanswered.example, excluded.example)`.execute(trx);
      await trx.updateTable('rollup_state').set({ last_id: to }).where('id', '=', 1).execute();
      return to - from;
    });
  }

  /**
   * The highest interaction id below which every row is committed (or never will be). On
   * SQLite, the highest id (one writer). On PostgreSQL ids come from a sequence in insert
   * order while transactions commit in any order: a row with a lower id may still be on its
   * way while a higher one is visible, and folding past it would miss it for good. Every
   * transaction that logs holds LOG_WRITE_LOCK shared from before its ids are drawn until it
   * commits, so the highest id read while holding the lock exclusively (a moment, in its own
   * transaction, so turns wait no longer than that) is a safe watermark.
   */
  private async committedTop(): Promise<number> {
    const top = (db: Kysely<StoreSchema>) =>
      db
        .selectFrom('interactions')
        .select((eb) => eb.fn.coalesce(eb.fn.max('id'), sql.lit(0)).as('id'))
        .executeTakeFirstOrThrow();
    if (this.engine.kind === 'sqlite') return Number((await top(this.engine.db)).id);
    return this.engine.db.transaction().execute(async (locked) => {
      await sql`SELECT pg_advisory_xact_lock(${LOG_WRITE_LOCK})`.execute(locked);
      return Number((await top(locked)).id);
    });
  }

  /**
   * The 👎 ratings of a range (optionally one channel): how many per answer, most first, and
   * the latest 200 with the question the citizen asked (the rated exchange's text).
   */
  async downRated(range: DateRange, channel: string | null = null): Promise<DownRatedReport> {
    const [start, end] = rangeBounds(range);
    const rated = this.engine.db
      .selectFrom('feedback as f')
      .where('f.rating', '=', -1)
      .where('f.ts', '>=', start)
      .where('f.ts', '<', end)
      .$if(channel !== null, (q) => q.where('f.channel', '=', channel!));
    const [byAnswer, items] = await Promise.all([
      rated
        .select(['f.answer_id', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('f.answer_id')
        .orderBy('n', 'desc')
        .execute(),
      rated
        .leftJoin('interactions as i', 'i.id', 'f.interaction_id')
        .select(['f.ts', 'f.channel', 'f.answer_id', 'i.text as question'])
        .orderBy('f.ts', 'desc')
        .limit(200)
        .execute(),
    ]);
    return { byAnswer: byAnswer.map((r) => ({ answer_id: r.answer_id, n: Number(r.n) })), items };
  }

  /** The full reach report for a range, optionally for one channel. */
  async reach(range: DateRange, channel: string | null = null, unansweredLimit = 20): Promise<ReachReport> {
    await this.refresh();
    const db = this.engine.db;
    const [start, end] = rangeBounds(range);
    const ch = channel ? sql` AND channel = ${channel}` : sql``;
    const days = sql`day BETWEEN ${range.from} AND ${range.to}${ch}`;
    const times = sql`ts >= ${start} AND ts < ${end}${ch}`;
    const one = async <T>(query: RawBuilder<T>): Promise<T> => (await query.execute(db)).rows[0]!;
    const number = async (query: RawBuilder<{ n: number | string | null }>) =>
      Number((await one(query)).n ?? 0);

    const [stats, uniqueCitizens, newCitizens, intents, feedback, officerReplies, handoffsAnswered] =
      await Promise.all([
        one(sql<Record<'messagesIn' | 'messagesOut' | 'answered' | 'fallbacks' | 'conversations', number>>`
          SELECT ${total('messages_in')} AS "messagesIn", ${total('messages_out')} AS "messagesOut",
            ${total('answered')} AS "answered", ${total('fallbacks')} AS "fallbacks",
            ${total('conversations')} AS "conversations"
          FROM daily_stats WHERE ${days}`),
        number(sql`SELECT count(*) AS n FROM (SELECT DISTINCT user_key FROM daily_users WHERE ${days}) AS u`),
        number(
          sql`SELECT count(*) AS n FROM citizens WHERE first_seen >= ${start} AND first_seen < ${end}${ch}`,
        ),
        sql<Count>`SELECT intent AS key, ${total('n')} AS n FROM daily_intents WHERE ${days}
          GROUP BY intent ORDER BY n DESC, key`.execute(db),
        one(sql<{ up: number; down: number }>`
          SELECT coalesce(${countIf(sql`rating = 1`)}, 0) AS up, coalesce(${countIf(sql`rating = -1`)}, 0) AS down
          FROM feedback WHERE ${times}`),
        number(sql`SELECT count(*) AS n FROM officer_messages WHERE ${times} AND status = 'delivered'`),
        number(sql`SELECT count(*) AS n FROM handoffs h WHERE ${times}
          AND EXISTS (SELECT 1 FROM officer_messages m WHERE m.handoff_id = h.id AND m.status = 'delivered')`),
      ]);
    const count = (table: string, where = sql``) =>
      number(sql`SELECT count(*) AS n FROM ${sql.table(table)} WHERE ${times}${where}`);
    const [procedures, unanswered, handoffs, linkClicks, medianLatencyMs, failedDeliveries] =
      await Promise.all([
        this.procedures(range, channel),
        this.unanswered(range, channel, unansweredLimit, false),
        count('handoffs'),
        count('clicks'),
        this.medianLatency(range, channel),
        count('interactions', sql` AND status = 'failed'`),
      ]);
    const intentCounts = intents.rows.map((i) => ({ key: i.key, n: Number(i.n) }));
    const topicTotals = new Map<string, number>();
    for (const i of intentCounts)
      topicTotals.set(topicOf(i.key), (topicTotals.get(topicOf(i.key)) ?? 0) + i.n);
    const topics = [...topicTotals]
      .map(([key, n]) => ({ key, n }))
      .sort((a, b) => b.n - a.n || a.key.localeCompare(b.key));
    const s = Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, Number(v)])) as typeof stats;
    const up = Number(feedback.up);
    const down = Number(feedback.down);
    const questions = s.answered + s.fallbacks;
    return {
      range,
      channel,
      uniqueCitizens,
      newCitizens,
      // A citizen first seen in the range but whose early rows were erased still counts once.
      returningCitizens: Math.max(0, uniqueCitizens - newCitizens),
      conversations: s.conversations,
      messagesIn: s.messagesIn,
      // The bot's replies and the officers' replies that reached the citizen.
      messagesOut: s.messagesOut + officerReplies,
      answered: s.answered,
      fallbacks: s.fallbacks,
      fallbackRate: questions === 0 ? 0 : s.fallbacks / questions,
      topics,
      intents: intentCounts,
      procedures,
      unanswered,
      handoffs,
      officerReplies,
      handoffsAnswered,
      feedbackUp: up,
      feedbackDown: down,
      satisfactionRate: up + down === 0 ? null : up / (up + down),
      linkClicks,
      medianLatencyMs,
      failedDeliveries,
    };
  }

  /** The catalogue procedures answered in the range, most asked first. */
  async procedures(range: DateRange, channel: string | null = null, limit = 20): Promise<Count[]> {
    const [start, end] = rangeBounds(range);
    const ch = channel ? sql` AND channel = ${channel}` : sql``;
    const { rows } = await sql<Count>`SELECT procedure AS key, count(*) AS n FROM interactions
      WHERE ts >= ${start} AND ts < ${end} AND procedure IS NOT NULL AND kind = 'answer'${ch}
      GROUP BY procedure ORDER BY n DESC, key LIMIT ${limit}`.execute(this.engine.db);
    return rows.map((r) => ({ key: r.key, n: Number(r.n) }));
  }

  /** Unanswered questions grouped by normalised text, most frequent first. */
  async unanswered(
    range: DateRange,
    channel: string | null = null,
    limit = 1000,
    refresh = true,
  ): Promise<UnansweredGroup[]> {
    if (refresh) await this.refresh();
    const ch = channel ? sql` AND channel = ${channel}` : sql``;
    const { rows } = await sql<UnansweredGroup>`SELECT normalised, ${total('n')} AS n, max(example) AS example
      FROM daily_unanswered WHERE day BETWEEN ${range.from} AND ${range.to}${ch}
      GROUP BY normalised ORDER BY n DESC, normalised LIMIT ${limit}`.execute(this.engine.db);
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  private async medianLatency(range: DateRange, channel: string | null): Promise<number | null> {
    const ch = channel ? sql` AND channel = ${channel}` : sql``;
    const { rows } = await sql<{ ms: number; n: number }>`SELECT latency_ms AS ms, ${total('n')} AS n
      FROM daily_latency WHERE day BETWEEN ${range.from} AND ${range.to}${ch}
      GROUP BY latency_ms ORDER BY latency_ms`.execute(this.engine.db);
    const histogram = rows.map((r) => ({ ms: Number(r.ms), n: Number(r.n) }));
    const count = histogram.reduce((a, b) => a + b.n, 0);
    if (count === 0) return null;
    // The median of an even count is the mean of the two middle values.
    const valueAt = (rank: number) => {
      let seen = 0;
      for (const h of histogram) {
        seen += h.n;
        if (seen > rank) return h.ms;
      }
      return histogram[histogram.length - 1].ms;
    };
    return count % 2 === 1 ? valueAt((count - 1) / 2) : (valueAt(count / 2 - 1) + valueAt(count / 2)) / 2;
  }

  /** Per-day series for the dashboard charts. */
  async daily(range: DateRange, channel: string | null = null): Promise<DailySeries> {
    await this.refresh();
    const ch = channel ? sql` AND channel = ${channel}` : sql``;
    const where = sql`day BETWEEN ${range.from} AND ${range.to}${ch}`;
    const days = daysOf(range);
    const index = new Map(days.map((d, i) => [d, i]));
    const citizens: Record<string, number[]> = {};
    const [users, rates] = await Promise.all([
      sql<{ day: string; channel: string; n: number }>`SELECT day, channel, count(*) AS n FROM daily_users
        WHERE ${where} GROUP BY day, channel`.execute(this.engine.db),
      sql<{
        day: string;
        a: number;
        f: number;
      }>`SELECT day, ${total('answered')} AS a, ${total('fallbacks')} AS f
        FROM daily_stats WHERE ${where} GROUP BY day`.execute(this.engine.db),
    ]);
    for (const u of users.rows) {
      citizens[u.channel] ??= days.map(() => 0);
      citizens[u.channel][index.get(u.day) ?? 0] = Number(u.n);
    }
    const fallbackRate: (number | null)[] = days.map(() => null);
    for (const r of rates.rows) {
      const a = Number(r.a);
      const f = Number(r.f);
      if (a + f > 0) fallbackRate[index.get(r.day) ?? 0] = f / (a + f);
    }
    return { days, citizens, fallbackRate };
  }
}

/**
 * One CSV field: quoted when needed — also for ";", the list separator Excel uses in vi-VN,
 * which would otherwise split the cell there; a leading =, +, - or @ is neutralised for
 * spreadsheets.
 */
export function csvField(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",;\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The report as CSV rows of metric,value (then topic and intent counts). */
export function reachCsv(r: ReachReport): string {
  const rows: unknown[][] = [
    ['from', r.range.from],
    ['to', r.range.to],
    ['channel', r.channel ?? 'all'],
    ...Object.entries(summaryFigures(r)),
    ...r.topics.map((t) => [`topic:${t.key}`, t.n]),
    ...r.intents.map((i) => [`intent:${i.key}`, i.n]),
    ...r.procedures.map((p) => [`procedure:${p.key}`, p.n]),
  ];
  return toCsv(['metric', 'value'], rows);
}

/** The headline figures, in the order reports show them. */
export function summaryFigures(r: ReachReport): Record<string, number | string> {
  const pct = (x: number | null) => (x === null ? '' : Math.round(x * 1000) / 10);
  return {
    unique_citizens: r.uniqueCitizens,
    new_citizens: r.newCitizens,
    returning_citizens: r.returningCitizens,
    conversations: r.conversations,
    messages_in: r.messagesIn,
    messages_out: r.messagesOut,
    answered: r.answered,
    fallbacks: r.fallbacks,
    fallback_rate_pct: pct(r.fallbackRate),
    handoffs: r.handoffs,
    handoffs_answered: r.handoffsAnswered,
    officer_replies: r.officerReplies,
    feedback_up: r.feedbackUp,
    feedback_down: r.feedbackDown,
    satisfaction_pct: pct(r.satisfactionRate),
    link_clicks: r.linkClicks,
    median_latency_ms: r.medianLatencyMs ?? '',
    failed_deliveries: r.failedDeliveries,
  };
}

export function unansweredCsv(groups: UnansweredGroup[]): string {
  return toCsv(
    ['count', 'normalised_question', 'example'],
    groups.map((g) => [g.n, g.normalised, g.example]),
  );
}
