/**
 * `npm run build` compiles to dist/; `npm start` runs dist/ when it was built from the sources
 * on disk and builds first otherwise; operator tools run dist/ when current, else the sources
 * through tsx, and a production install (no TypeScript, no tsx) is told what to do.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../support/app';
import { freePort, REPO_ROOT } from '../support/process';

const LAUNCH = path.join(REPO_ROOT, 'scripts', 'launch.cjs');
// A tsc build takes seconds on an idle machine and a minute on a busy CI box.
jest.setTimeout(180_000);

/**
 * A tiny project laid out like this one (scripts/launch.cjs, both tsconfig files, src/), with
 * the listed packages of this repository's node_modules linked in.
 */
function miniProject(packages: string[]): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
  fs.copyFileSync(LAUNCH, path.join(dir, 'scripts', 'launch.cjs'));
  for (const file of ['tsconfig.json', 'package.json'])
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.build.json'),
    JSON.stringify({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: false, outDir: 'dist', rootDir: '.', types: ['node'] },
      include: ['src'],
    }),
  );
  for (const pkg of [...packages, '@types/node'])
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', pkg), path.join(dir, 'node_modules', pkg));
  write(dir, 'src/greeting.ts', "export const greeting = 'first';\n");
  write(
    dir,
    'src/main.ts',
    "import { greeting } from './greeting';\nconsole.log(`${greeting} ${__filename.endsWith('.js') ? 'compiled' : 'tsx'} ${process.argv.slice(2).join(' ')}`);\n",
  );
  return dir;
}

function write(dir: string, file: string, text: string) {
  fs.writeFileSync(path.join(dir, file), text);
}

function launch(dir: string, ...args: string[]) {
  const res = spawnSync(process.execPath, ['scripts/launch.cjs', ...args], { cwd: dir, encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout.trim(), stderr: res.stderr.trim() };
}

describe('npm start (scripts/launch.cjs)', () => {
  it('builds on the first start, reuses dist/ while the sources are unchanged, and rebuilds after an edit or a deletion', () => {
    const dir = miniProject(['typescript', 'tsx']);
    const first = launch(dir, 'start', 'src/main.ts', 'a', 'b');
    expect(first).toMatchObject({ status: 0, stdout: 'first compiled a b' });
    expect(first.stderr).toMatch(/^Compiling to dist\//);

    expect(launch(dir, 'start', 'src/main.ts')).toEqual({ status: 0, stdout: 'first compiled', stderr: '' });

    write(dir, 'src/greeting.ts', "export const greeting = 'second';\n");
    expect(launch(dir, 'start', 'src/main.ts')).toMatchObject({ status: 0, stdout: 'second compiled' });

    write(dir, 'src/extra.ts', 'export const extra = 1;\n');
    launch(dir, 'build');
    expect(fs.existsSync(path.join(dir, 'dist/src/extra.js'))).toBe(true);
    fs.rmSync(path.join(dir, 'src/extra.ts'));
    expect(launch(dir, 'start', 'src/main.ts').stderr).toMatch(/^Compiling/);
    expect(fs.existsSync(path.join(dir, 'dist/src/extra.js'))).toBe(false);
  });

  it('runs a tool from dist/ when current and from the sources through tsx when not, never stale code', () => {
    const dir = miniProject(['typescript', 'tsx']);
    expect(launch(dir, 'run', 'src/main.ts')).toEqual({ status: 0, stdout: 'first tsx', stderr: '' });
    launch(dir, 'build');
    expect(launch(dir, 'run', 'src/main.ts', 'x')).toMatchObject({ status: 0, stdout: 'first compiled x' });
    write(dir, 'src/greeting.ts', "export const greeting = 'edited';\n");
    expect(launch(dir, 'run', 'src/main.ts')).toMatchObject({ status: 0, stdout: 'edited tsx' });
  });

  it('tells a production install (no TypeScript, no tsx) with no current dist/ what to run, in one line', () => {
    const dir = miniProject([]);
    const start = launch(dir, 'start', 'src/main.ts');
    expect(start.status).toBe(1);
    expect(start.stderr.split('\n').slice(-1)[0]).toMatch(/TypeScript is not installed .*npm run build/);
    const run = launch(dir, 'run', 'src/main.ts');
    expect(run).toMatchObject({ status: 1, stdout: '' });
    expect(run.stderr).toMatch(
      /^dist\/ is missing or older than the sources and tsx is not installed: run `npm run build`/,
    );
  });

  it('compiles every tool that package.json runs through launch.cjs', () => {
    const scripts = Object.values(
      JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts,
    );
    const launched = scripts.flatMap((cmd) =>
      [...String(cmd).matchAll(/launch\.cjs (?:run|start) (\S+\.ts)/g)].map((m) => m[1]),
    );
    const { include } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tsconfig.build.json'), 'utf8'));
    expect(launched.length).toBeGreaterThan(5);
    expect(
      launched.filter(
        (entry) => !include.some((dir: string) => entry === dir || entry.startsWith(`${dir}/`)),
      ),
    ).toEqual([]);
  });

  it('serves the chat page, the dashboard assets and /healthz from the compiled server', async () => {
    // `start` builds only when dist/ is stale, so tools other tests run meanwhile never see it half-built.
    const port = await freePort();
    const child = spawn(process.execPath, [LAUNCH, 'start', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        ADMIN_PASSWORD: 'compiled-test-password',
        DATABASE_PATH: path.join(tempDir(), 'bot.sqlite'),
      },
    });
    let logs = '';
    child.stdout.on('data', (d) => (logs += d));
    child.stderr.on('data', (d) => (logs += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const base = `http://127.0.0.1:${port}`;
      for (;;) {
        const up = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (child.exitCode !== null) throw new Error(logs);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(fs.existsSync(path.join(REPO_ROOT, 'dist', 'src', 'main.js'))).toBe(true);
      // public/ and node_modules/ are found from dist/src/ as they are from src/.
      for (const [url, type] of [
        ['/', 'text/html'],
        ['/widget.js', 'javascript'],
        ['/admin/assets/admin.css', 'text/css'],
        ['/admin/assets/chart.umd.min.js', 'javascript'],
      ]) {
        const res = await fetch(base + url);
        expect([url, res.status, res.headers.get('content-type')]).toEqual([
          url,
          200,
          expect.stringContaining(type),
        ]);
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
