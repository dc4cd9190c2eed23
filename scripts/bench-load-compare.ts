/**
 * `npm run bench:load:compare`: `npm run bench:load` on an older commit and on this tree, in
 * the same run, alternately (base, current, current, base, …), so both see the same machine;
 * prints each run's figures, the medians and the ratio current / base: accepted/s, ack p99 and
 * the unthrottled ceiling (the ack path), and the time until every reply of the sustained phase
 * reached the fake platform (where the reply work went), with each run's PASS or FAIL.
 *
 * The base commit (default d24c806, the code before the channel restructure of issue #14) is
 * exported with `git archive` into a temp folder under the OS temp dir and installed there
 * with `npm ci` (once: the folder is reused by later comparisons; --fresh starts over). Both
 * servers run under this tree's bench:load (the base's with `--server-root`), so the load, the
 * fake platform and the checks are the same and only the server differs. (Until 5a54f38 each
 * tree ran its own script; the base's opened its 50 connections in the first measured second,
 * which decided its ack p99: see bench-load.ts.)
 *
 * Options: --base <commit> (d24c806), --rounds N (2: each tree runs 2N times, ABBA order),
 * --duration S (15 s sustained per run), --rate N (1200), --connections N (50), --ceiling S (5),
 * --fresh. Figures are only comparable on an otherwise idle machine: the script prints the
 * load average before it starts.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from './support/seeded-random';

const REPO_ROOT = path.resolve(__dirname, '..');

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: 'd24c806' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '15' },
    rate: { type: 'string', default: '1200' },
    connections: { type: 'string', default: '50' },
    ceiling: { type: 'string', default: '5' },
    fresh: { type: 'boolean', default: false },
  },
});

function wholeNumber(
  name: 'rounds' | 'duration' | 'rate' | 'connections' | 'ceiling',
  min: number,
  max: number,
) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name}: expected a whole number from ${min} to ${max} (got "${values[name]}")`);
    process.exit(2);
  }
  return n;
}
const ROUNDS = wholeNumber('rounds', 1, 20);
const BENCH_ARGS = [
  '--duration',
  String(wholeNumber('duration', 1, 600)),
  '--rate',
  String(wholeNumber('rate', 1, 20_000)),
  '--connections',
  String(wholeNumber('connections', 1, 1000)),
  '--ceiling',
  String(wholeNumber('ceiling', 1, 60)),
];

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

/** The base commit's tree, exported and installed once under the temp dir. */
function prepareBase(commit: string): string {
  let sha: string;
  try {
    sha = git('rev-parse', '--verify', `${commit}^{commit}`);
  } catch {
    console.error(`--base: "${commit}" is not a commit of this repository (git rev-parse failed)`);
    process.exit(2);
  }
  const dir = path.join(os.tmpdir(), `tthc-bench-base-${sha.slice(0, 12)}`);
  const ready = path.join(dir, '.bench-ready');
  if (values.fresh) fs.rmSync(dir, { recursive: true, force: true });
  if (fs.existsSync(ready)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  console.log(`exporting ${sha.slice(0, 12)} into ${dir} and installing its dependencies (npm ci)…`);
  execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C "${dir}"`], { cwd: REPO_ROOT, stdio: 'inherit' });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  fs.writeFileSync(ready, `${sha}\n`);
  return dir;
}

interface Figures {
  accepted: number;
  /** Requests the load generator saw fail (connection errors) or time out. */
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
  ceiling: number;
  /** Seconds from the sustained phase's first request until its last reply reached the platform. */
  replies: number;
  /** Reply parts the sustained phase's messages got (answers split for the platforms' limits). */
  parts: number;
  /** bench:load's verdict line (PASS: …, or FAIL: and why). */
  verdict: string;
}

/** Runs this tree's bench:load against one checkout's server and reads the report's figures. */
function runBench(serverRoot: string | undefined, label: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        'scripts/bench-load.ts',
        ...BENCH_ARGS,
        ...(serverRoot ? ['--server-root', serverRoot] : []),
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const number = (re: RegExp) => {
        const m = re.exec(out);
        return m ? Number(m[1]) : NaN;
      };
      const figures = {
        accepted: number(/accepted messages\/s\s+(\d+(?:\.\d+)?)/),
        errors: number(/other status \d+, errors (\d+)/),
        timeouts: number(/other status \d+, errors \d+, timeouts (\d+)/),
        p50: number(/ack latency p50 \/ p99\s+(\d+(?:\.\d+)?) ms/),
        p99: number(/ack latency p50 \/ p99\s+\d+(?:\.\d+)? ms \/ (\d+(?:\.\d+)?) ms/),
        ceiling: number(/full server (\d+(?:\.\d+)?)\/s/),
        replies: number(/every reply at the fake platform (\d+(?:\.\d+)?) s/),
        parts: number(
          /every reply at the fake platform \d+(?:\.\d+)? s after the first request \((\d+) parts/,
        ),
        verdict: /^(PASS|FAIL):.*$/m.exec(out)?.[0] ?? 'no verdict printed',
      };
      if (Number.isNaN(figures.accepted) || Number.isNaN(figures.ceiling)) {
        reject(
          new Error(`${label}: bench:load printed no figures; its output ended with:\n${out.slice(-2000)}`),
        );
        return;
      }
      resolve(figures);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * How far the ratio of medians current / base could move by chance: the 2.5th and 97.5th
 * percentiles of that ratio over 10,000 resamplings of each side's runs (bootstrap, with a
 * fixed seed so a report can be reproduced from its runs). An interval that spans 100 % says
 * the runs cannot tell the two apart.
 */
function ratioInterval(current: number[], base: number[]): [number, number] {
  const random = seededRandom(0x9e3779b9);
  const resample = (xs: number[]) => median(xs.map(() => xs[Math.floor(random() * xs.length)]!));
  const ratios = Array.from({ length: 10_000 }, () => resample(current) / resample(base)).sort(
    (a, b) => a - b,
  );
  return [ratios[249]!, ratios[9_749]!];
}

async function main() {
  const baseDir = prepareBase(values.base!);
  const head = git('rev-parse', '--short=12', 'HEAD');
  const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' (with uncommitted changes)' : '';
  console.log(
    `bench:load:compare — base ${values.base} (${baseDir}) vs current ${head}${dirty}; ${ROUNDS * 2} runs each, ` +
      `alternating; bench:load ${BENCH_ARGS.join(' ')}; ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  const runs: Record<'base' | 'current', Figures[]> = { base: [], current: [] };
  const order: ('base' | 'current')[] = [];
  for (let r = 0; r < ROUNDS; r++) order.push(...(['base', 'current', 'current', 'base'] as const));
  for (const [i, which] of order.entries()) {
    const figures = await runBench(which === 'base' ? baseDir : undefined, which);
    runs[which].push(figures);
    console.log(
      `  run ${String(i + 1).padStart(2)} ${which.padEnd(7)} accepted ${figures.accepted}/s, ack p50 ${figures.p50} ms, ` +
        `p99 ${figures.p99} ms; unthrottled ceiling ${figures.ceiling}/s; every reply (${figures.parts} parts) after ${figures.replies} s; ` +
        `client errors ${figures.errors}, timeouts ${figures.timeouts}`,
    );
    console.log(
      `         ${figures.verdict.length > 160 ? `${figures.verdict.slice(0, 160)}…` : figures.verdict}`,
    );
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  const summary = (which: 'base' | 'current') => ({
    accepted: round(median(runs[which].map((f) => f.accepted))),
    p50: round(median(runs[which].map((f) => f.p50))),
    p99: round(median(runs[which].map((f) => f.p99))),
    ceiling: round(median(runs[which].map((f) => f.ceiling))),
    replies: round(median(runs[which].map((f) => f.replies))),
    parts: round(median(runs[which].map((f) => f.parts))),
  });
  const base = summary('base');
  const current = summary('current');
  const pct = (a: number, b: number) => `${Math.round((a / b) * 100)} %`;
  console.log('medians:');
  for (const [name, m] of [
    ['base   ', base],
    ['current', current],
  ] as const)
    console.log(
      `  ${name}  accepted ${m.accepted}/s, ack p50 ${m.p50} ms, p99 ${m.p99} ms, ceiling ${m.ceiling}/s, every reply (${m.parts} parts) after ${m.replies} s`,
    );
  console.log(
    `ratio current / base: accepted ${pct(current.accepted, base.accepted)}, ` +
      `unthrottled ceiling ${pct(current.ceiling, base.ceiling)}, ack p50 ${pct(current.p50, base.p50)} and p99 ${pct(current.p99, base.p99)} (lower is better); ` +
      `time until every reply reached the platform ${pct(current.replies, base.replies)} (lower is better), ` +
      `for ${pct(current.parts, base.parts)} of the reply parts`,
  );
  const interval = (key: 'ceiling' | 'p50' | 'p99' | 'replies') => {
    const [low, high] = ratioInterval(
      runs.current.map((f) => f[key]),
      runs.base.map((f) => f[key]),
    );
    return `${Math.round(low * 100)}–${Math.round(high * 100)} %`;
  };
  console.log(
    `95 % intervals of these ratios (bootstrap over the runs): ceiling ${interval('ceiling')}, ack p50 ${interval('p50')}, ` +
      `p99 ${interval('p99')}, every reply ${interval('replies')}`,
  );
  console.log(
    `load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
