/**
 * Reach report from the interaction log, for the periodic reports officers file.
 *
 *   npm run report -- --from 2026-01-01 --to 2026-03-31 [--channel zalo] [--format table|csv|json]
 *   npm run report -- --period 2026-Q1            (2026-03 month, 2026-Q1, 2026-H1, 2026 year)
 *   npm run report -- --preset quarter            (this month/quarter/half-year/year)
 *   npm run report -- --period 2026-Q1 --unanswered > cau-hoi.csv   (grouped unanswered questions)
 *
 * --db PATH reads another database (default: DATABASE_PATH).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/store/db';
import { openStore } from '../src/store/store';
import {
  CHANNELS,
  checkRange,
  periodRange,
  presetRange,
  PRESETS,
  reachCsv,
  ReportInputError,
  Reports,
  summaryFigures,
  unansweredCsv,
  type DateRange,
  type Preset,
  type ReachReport,
} from '../src/store/reports';
import { cliConfig, runCli } from './cli-support';

const USAGE =
  'usage: npm run report -- (--from YYYY-MM-DD --to YYYY-MM-DD | --period 2026-Q1 | --preset quarter) ' +
  '[--channel zalo] [--format table|csv|json] [--unanswered] [--db data/bot.sqlite]';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function table(r: ReachReport): string {
  const lines = [`Reach report ${r.range.from} → ${r.range.to} · channel: ${r.channel ?? 'all'}`, ''];
  const figures = summaryFigures(r);
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [k, v] of Object.entries(figures)) lines.push(`${k.padEnd(width)}  ${v === '' ? '—' : v}`);
  const list = (title: string, rows: { key: string; n: number }[]) => {
    lines.push('', title);
    for (const row of rows) lines.push(`  ${String(row.n).padStart(7)}  ${row.key}`);
    if (rows.length === 0) lines.push('  (none)');
  };
  list('Topics', r.topics);
  list('Intents', r.intents);
  list(
    'Top unanswered questions',
    r.unanswered.slice(0, 10).map((u) => ({ key: u.normalised, n: u.n })),
  );
  return lines.join('\n') + '\n';
}

void runCli(async () => {
  let args;
  try {
    args = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        period: { type: 'string' },
        preset: { type: 'string' },
        channel: { type: 'string' },
        format: { type: 'string', default: 'table' },
        unanswered: { type: 'boolean', default: false },
        db: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  const ways = [args.from !== undefined || args.to !== undefined, !!args.period, !!args.preset].filter(
    Boolean,
  );
  if (ways.length !== 1) fail('Give the period one way: --from and --to, or --period, or --preset.');
  if (!['table', 'csv', 'json'].includes(args.format!))
    fail(`--format: expected table, csv or json (got "${args.format}")`);
  if (args.channel !== undefined && !(CHANNELS as readonly string[]).includes(args.channel))
    fail(`--channel: expected one of ${CHANNELS.join(', ')} (got "${args.channel}")`);
  let range: DateRange;
  try {
    if (args.period) range = periodRange(args.period);
    else if (args.preset) {
      if (!PRESETS.includes(args.preset as Preset))
        fail(`--preset: expected one of ${PRESETS.join(', ')} (got "${args.preset}")`);
      range = presetRange(args.preset as Preset);
    } else {
      if (args.from === undefined || args.to === undefined) fail('--from and --to go together.');
      range = checkRange(args.from, args.to);
    }
  } catch (err) {
    if (err instanceof ReportInputError) fail(err.message);
    throw err;
  }

  const config = cliConfig();
  const file = args.db ?? config.DATABASE_PATH;
  if (!fs.existsSync(file))
    fail(`--db: no database at ${file} (start the bot once, or run npm run seed:demo)`);
  // With DATABASE_URL the log is on PostgreSQL (--db names a file: that file's figures).
  const store = await openStore(args.db === undefined ? config : { ...config, DATABASE_URL: undefined }, {
    db: openDatabase(file),
  });
  try {
    const reports = new Reports(store.engine);
    const channel = args.channel ?? null;
    if (args.unanswered) {
      const groups = await reports.unanswered(range, channel);
      process.stdout.write(
        args.format === 'json' ? JSON.stringify(groups, null, 2) + '\n' : unansweredCsv(groups),
      );
      return;
    }
    const report = await reports.reach(range, channel);
    if (args.format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (args.format === 'csv') process.stdout.write(reachCsv(report));
    else process.stdout.write(table(report));
  } finally {
    await store.close();
  }
});
