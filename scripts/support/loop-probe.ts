/**
 * Event-loop and garbage-collection probe for `npm run bench:load` (never loaded by
 * `npm start`). Every 250 ms it appends one JSON line to a file: the loop's delay in that
 * window (max and p99) and the GC pauses that ended in it, so a slow ack can be traced to a
 * stalled loop, a GC pause or neither. Preloaded into the server with
 * `--import ./scripts/support/loop-probe.ts` and LOOP_PROBE_FILE set; the bench also probes
 * its own process (the load generator and the fake platform).
 */
import fs from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const WINDOW_MS = 250;

interface Window {
  /** Wall-clock end of the window, ms since the epoch. */
  t: number;
  maxMs: number;
  p99Ms: number;
  /** Event-loop utilisation: the share of the window the main thread was busy (0–1). */
  elu: number;
  gc: { ms: number; kind?: number }[];
}

export function startLoopProbe(file: string): () => void {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let gc: Window['gc'] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gc.push({ ms: e.duration, kind: (e as { detail?: { kind?: number } }).detail?.kind });
  });
  observer.observe({ entryTypes: ['gc'] });
  let elu = performance.eventLoopUtilization();
  const write = () => {
    const used = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    const line: Window = {
      t: Date.now(),
      maxMs: delay.max / 1e6,
      p99Ms: delay.percentile(99) / 1e6,
      elu: used.utilization,
      gc,
    };
    delay.reset();
    gc = [];
    fs.appendFileSync(file, JSON.stringify(line) + '\n');
  };
  const timer = setInterval(write, WINDOW_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    write();
    observer.disconnect();
    delay.disable();
  };
}

export interface LoopSummary {
  windows: number;
  /** Longest event-loop delay seen. */
  maxDelayMs: number;
  /** Mean event-loop utilisation and the number of windows busy over 90 %. */
  meanElu: number;
  busyWindows: number;
  /** Windows whose loop was stalled for over 50 ms at least once. */
  stalledWindows: number;
  gcPauses: number;
  gcTotalMs: number;
  longestGcMs: number;
  /** The worst windows, for tracing: seconds after `fromMs`, delay, GC in the window. */
  worst: string[];
}

/** Summarises the probe's windows at least half inside `fromMs`..`toMs` (wall clock). */
export function summariseLoopProbe(file: string, fromMs: number, toMs: number): LoopSummary {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const middle = (w: Window) => w.t - WINDOW_MS / 2;
  const windows = lines
    .map((l) => JSON.parse(l) as Window)
    .filter((w) => middle(w) >= fromMs && middle(w) <= toMs);
  const pauses = windows.flatMap((w) => w.gc.map((g) => g.ms));
  const worst = [...windows]
    .sort((a, b) => b.maxMs - a.maxMs)
    .slice(0, 5)
    .map((w) => {
      const gcMs = w.gc.reduce((n, g) => n + g.ms, 0);
      return `at ${((w.t - fromMs) / 1000).toFixed(2)} s: loop delay ${w.maxMs.toFixed(0)} ms, busy ${(w.elu * 100).toFixed(0)} %, GC ${gcMs.toFixed(0)} ms in ${w.gc.length} pauses (longest ${Math.max(0, ...w.gc.map((g) => g.ms)).toFixed(0)} ms)`;
    });
  return {
    windows: windows.length,
    maxDelayMs: Math.max(0, ...windows.map((w) => w.maxMs)),
    meanElu: windows.reduce((n, w) => n + w.elu, 0) / Math.max(1, windows.length),
    busyWindows: windows.filter((w) => w.elu > 0.9).length,
    stalledWindows: windows.filter((w) => w.maxMs > 50).length,
    gcPauses: pauses.length,
    gcTotalMs: pauses.reduce((a, b) => a + b, 0),
    longestGcMs: Math.max(0, ...pauses),
    worst,
  };
}

// The main thread only: the answer worker inherits the server's --import flags, and its own
// loop is not the one the acks wait on.
if (process.env.LOOP_PROBE_FILE && isMainThread) startLoopProbe(process.env.LOOP_PROBE_FILE);
