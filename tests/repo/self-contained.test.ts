/**
 * A clone must need nothing beside it: no source, script, test or CI file may name a path
 * outside the repository (a sample in a folder beside the clone, an absolute path of the machine it was
 * written on). What a test or benchmark reads is copied in with its origin stated, as
 * tests/fixtures/eval/ is.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SCANNED_DIRS = ['src', 'scripts', 'tests', '.ci'];
const SCANNED_FILES = [
  'package.json',
  'jest.config.js',
  'eslint.config.mjs',
  'tsconfig.json',
  'tsconfig.build.json',
];

/** Roots of a particular machine's file system; system paths such as /usr/bin/env are fine. */
const MACHINE_ROOTS = ['work', 'home', 'root', 'Users', 'mnt', 'srv', 'tmp'];
const ABSOLUTE = new RegExp(`(?:^|[\\s'"\`=(:,])(/(?:${MACHINE_ROOTS.join('|')})/[^\\s'"\`)]*)`, 'g');
const RELATIVE = /(?:^|[^\w.])((?:\.\.\/)+[\w@-][\w.@-]*)/g;

/** Reviewed exceptions: exact text in one file, with the reason it is not a path the code reads. */
const ALLOWED: { file: string; text: string; why: string }[] = [
  {
    file: 'tests/hostile/security.test.ts',
    text: '/' + 'work/secret/path.ts', // assembled, so that this file does not name it
    why: 'a made-up path inside an error message, to prove it never reaches the citizen',
  },
  {
    file: 'tests/admin/training.test.ts',
    text: '..' + '/package', // assembled, so that this file does not name it
    why: 'a path-traversal attempt in a form field, which the test proves is refused',
  },
  ...['src/procedures/record-parser.ts', 'tests/procedures/import.test.ts'].map((file) => ({
    file,
    text: '..' + '/forms', // assembled, so that this file does not name it
    why: "a link inside a portal record (data/dvc/records/*.md) to data/dvc/forms/, read from the record's folder",
  })),
];

export interface OutsidePath {
  file: string;
  line: number;
  text: string;
}

/**
 * The paths in `source` (a file at `file`, relative to the repository) that lead outside the
 * repository. A relative path is read from the file's folder (imports) and, when that does
 * not name something in the repository, from the repository root (the working directory of
 * every npm script); it is outside when either reading climbs above the root.
 */
export function outsidePaths(file: string, source: string, root = ROOT): OutsidePath[] {
  const found: OutsidePath[] = [];
  const inside = (p: string) => p === root || p.startsWith(root + path.sep);
  source.split('\n').forEach((lineText, i) => {
    for (const m of lineText.matchAll(ABSOLUTE)) found.push({ file, line: i + 1, text: m[1]! });
    for (const m of lineText.matchAll(RELATIVE)) {
      const rel = m[1]!;
      const fromFile = path.resolve(root, path.dirname(file), rel);
      const climbed = rel.match(/^(?:\.\.\/)+/)![0];
      const firstNamed = path.resolve(
        root,
        path.dirname(file),
        climbed,
        rel.slice(climbed.length).split('/')[0]!,
      );
      const namesRepoFile =
        inside(fromFile) && ['', '.ts', '.js'].some((ext) => fs.existsSync(firstNamed + ext));
      if (!inside(fromFile) || (!namesRepoFile && !inside(path.resolve(root, rel))))
        found.push({ file, line: i + 1, text: rel });
    }
  });
  return found.filter((f) => !ALLOWED.some((a) => a.file === f.file && f.text.startsWith(a.text)));
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(path.join(ROOT, dir))) return [];
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(rel);
    // Documentation may say where a copied file came from; data files hold no paths the code reads.
    return /\.(md|jsonl|csv|png|jpe?g|gif|ico|sqlite|woff2?)$/i.test(entry.name) ? [] : [rel];
  });
}

describe('the repository is self-contained', () => {
  it('names no path outside itself in src/, scripts/, tests/, .ci/ or the root config files', () => {
    const files = [
      ...SCANNED_DIRS.flatMap(filesUnder),
      ...SCANNED_FILES.filter((f) => fs.existsSync(path.join(ROOT, f))),
    ];
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) => outsidePaths(file, fs.readFileSync(path.join(ROOT, file), 'utf8')));
    expect(found.map((f) => `${f.file}:${f.line}: ${f.text}`)).toEqual([]);
  });

  // The strings are assembled so that this file does not name them itself.
  const up = (n: number, rest: string) => '../'.repeat(n) + rest;

  it.each([
    ['scripts/bench.ts', `const DEV = '${up(1, 'shared/eval/dev.jsonl')}';`],
    ['tests/nlu/classifier.test.ts', `path.resolve(ROOT, '${up(1, 'shared/eval/README.md')}')`],
    ['src/nlu/evaluate.ts', ` * the format of ${up(1, 'shared/eval/dev.jsonl')}`],
    ['tests/x.test.ts', `import { a } from '${up(2, 'elsewhere/a')}';`],
    ['.ci/run', `cp ${'/' + 'work'}/shared/eval/dev.jsonl tests/`],
    ['src/config.ts', `CONTENT_DIR: '${'/' + 'home'}/me/content',`],
  ])('catches an outside path in %s', (file, line) => {
    expect(outsidePaths(file, line)).toHaveLength(1);
  });

  it.each([
    ['tests/nlu/classifier.test.ts', `import { loadConfig } from '${up(2, 'src/config')}';`],
    ['src/nlu/evaluate.ts', `import { AppError } from '${up(1, 'errors')}';`],
    ['.ci/run', '#!/usr/bin/env bash'],
    ['tests/support/chromium.ts', "const dirs = (process.env.PATH ?? '').split(':');"],
  ])('accepts a path inside the repository or of the system in %s', (file, line) => {
    expect(outsidePaths(file, line)).toEqual([]);
  });
});
