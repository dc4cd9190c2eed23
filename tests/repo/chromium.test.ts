/** The browser tests' Chromium: CHROMIUM_PATH, else PATH, else one line saying how to install it. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChromiumNotFoundError, findChromium } from '../support/chromium';

const ROOT = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-finder-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fakeBinary(dir: string, name: string, mode = 0o755): string {
  fs.mkdirSync(path.join(tmp, dir), { recursive: true });
  const file = path.join(tmp, dir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode });
  return file;
}

/** Runs the finder as its own process with exactly `env`, as a fresh shell would. */
function runFinder(env: Record<string, string>) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join('tests', 'support', 'chromium.ts')],
    {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('findChromium', () => {
  it('stops with one line naming the apt-get package and CHROMIUM_PATH when PATH has no browser', () => {
    const { status, stdout, stderr } = runFinder({ PATH: '' });
    expect(status).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('apt-get install chromium');
    expect(lines[0]).toContain('CHROMIUM_PATH');
  });

  it('uses CHROMIUM_PATH when it is set, even with an empty PATH', () => {
    const chrome = fakeBinary('opt', 'my-chrome');
    const { status, stdout } = runFinder({ PATH: '', CHROMIUM_PATH: chrome });
    expect(status).toBe(0);
    expect(stdout.trim()).toBe(chrome);
  });

  it('refuses a CHROMIUM_PATH that is not an executable file, saying so in one line', () => {
    const missing = path.join(tmp, 'nowhere', 'chromium');
    expect(() => findChromium({ PATH: '', CHROMIUM_PATH: missing })).toThrow(ChromiumNotFoundError);
    expect(() => findChromium({ PATH: '', CHROMIUM_PATH: missing })).toThrow(
      new RegExp(`^CHROMIUM_PATH=${missing} is not an executable file\\. [^\\n]*apt-get install chromium`),
    );
    const plain = fakeBinary('plain', 'chromium', 0o644);
    expect(() => findChromium({ PATH: '', CHROMIUM_PATH: plain })).toThrow(ChromiumNotFoundError);
  });

  it('takes the first of chromium, chromium-browser, google-chrome, google-chrome-stable found on PATH', () => {
    const chrome = fakeBinary('a', 'google-chrome');
    const browser = fakeBinary('b', 'chromium-browser');
    fakeBinary('a', 'chromium', 0o644); // not executable: skipped
    const PATH = [path.join(tmp, 'a'), path.join(tmp, 'b')].join(path.delimiter);
    expect(findChromium({ PATH })).toBe(browser);
    expect(findChromium({ PATH: path.join(tmp, 'a') })).toBe(chrome);
  });

  it('is the only way the browser tests get a browser (no hard-coded executable)', () => {
    const offenders = fs
      .readdirSync(path.join(ROOT, 'tests'), { recursive: true, encoding: 'utf8' })
      .filter(
        (f) =>
          f.endsWith('.ts') &&
          ![path.join('support', 'browser.ts'), path.join('repo', 'chromium.test.ts')].includes(f),
      )
      .filter((f) =>
        /executablePath|\/usr\/bin\/chrom/.test(fs.readFileSync(path.join(ROOT, 'tests', f), 'utf8')),
      );
    expect(offenders).toEqual([]);
  });
});
