import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { parse } from 'yaml';

const run = (script: string, input = '', env: Record<string, string> = {}) =>
  spawnSync('npm', ['run', '--silent', script], {
    input,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  });

describe('npm run --silent classify', () => {
  it('prints exactly one JSON line per input line and nothing else', () => {
    const res = run('classify', 'xin chao\nthời tiết hôm nay\n');
    expect(res.status).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l));
    expect(a).toEqual({ text: 'xin chao', intent: 'greeting', confidence: expect.any(Number) });
    expect(b).toEqual({ text: 'thời tiết hôm nay', intent: null, confidence: expect.any(Number) });
    for (const r of [a, b]) {
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
    }
  });
});

describe('npm run --silent intents:export', () => {
  it('prints every training phrase as {text, intent}', () => {
    const res = run('intents:export');
    expect(res.status).toBe(0);
    const rows = res.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const expected = fs
      .readdirSync('intents')
      .filter((f) => !f.startsWith('_'))
      .flatMap((f) => {
        const file = parse(fs.readFileSync(`intents/${f}`, 'utf8')) as { id: string; phrases: string[] };
        return file.phrases.map((text) => ({ text, intent: file.id }));
      });
    expect(rows).toHaveLength(expected.length);
    expect(rows).toEqual(expect.arrayContaining(expected));
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['intent', 'text']);
  });
});

describe('npm start', () => {
  it('exits 1 with one line naming PORT when PORT=abc', () => {
    const res = spawnSync('npx', ['tsx', 'src/main.ts'], {
      encoding: 'utf8',
      env: { ...process.env, PORT: 'abc' },
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^Invalid PORT: .*abc/m);
  });
});

describe('npm run chat', () => {
  it('answers typed questions and numbered quick-reply taps in the terminal', () => {
    // A topic with a step-by-step guide (procedure questions get catalogue answers instead).
    const res = run('chat', 'vneid là gì\n1\n/debug\nxin chào mọi người\n/quit\n');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Bot: .*VNeID/);
    // "1" tapped the first suggestion of the VNeID answer: the first guide step.
    expect(res.stdout).toMatch(/Bot: Bước 1\/\d+/);
    expect(res.stdout).toMatch(/\(intent: greeting, confidence: [\d.]+\)/);
  });
});
