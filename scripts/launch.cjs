#!/usr/bin/env node
/**
 * Runs a TypeScript entry point compiled, from dist/, when dist/ was built from exactly the
 * sources on disk. Plain JavaScript because it must run before anything is compiled, and on
 * a production install (`npm ci --omit=dev`), which has neither TypeScript nor tsx.
 *
 *   node scripts/launch.cjs build                      npm run build: always compiles afresh
 *   node scripts/launch.cjs start src/main.ts          npm start: builds first when dist/ is stale
 *   node scripts/launch.cjs run scripts/report.ts …    operator tools: compiled when current,
 *                                                      else straight from the sources with tsx
 *
 * "Current" means dist/.source-hash equals a hash of every file the build compiles (paths
 * and contents, plus tsconfig files and package-lock.json): unlike modification times it
 * notices a deleted file and is not fooled by a checkout that gives every file a new time.
 * The entry runs in this same process, so signals (SIGTERM, SIGKILL) reach the server itself.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const HASH_FILE = path.join(DIST, '.source-hash');
const BUILD_CONFIG = 'tsconfig.build.json';
const INPUTS = ['tsconfig.json', BUILD_CONFIG, 'package-lock.json'];
const SOURCE_DIRS = ['src', 'scripts'];

/**
 * Every TypeScript file the build may compile: BUILD_CONFIG lists src/ and the entry points
 * of the terminal tools, and tsc follows their imports, so all of src/ and scripts/ count.
 */
function compiledSources() {
  const walk = (dir) =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) return walk(rel);
      return entry.name.endsWith('.ts') ? [rel] : [];
    });
  return SOURCE_DIRS.filter((dir) => fs.existsSync(path.join(ROOT, dir)))
    .flatMap(walk)
    .sort();
}

function sourceHash() {
  const hash = crypto.createHash('sha256');
  for (const file of [...INPUTS, ...compiledSources()]) {
    hash.update(`${file}\0`);
    if (fs.existsSync(path.join(ROOT, file))) hash.update(fs.readFileSync(path.join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function isCurrent() {
  return fs.existsSync(HASH_FILE) && fs.readFileSync(HASH_FILE, 'utf8').trim() === sourceHash();
}

function resolveOrNull(id) {
  try {
    return require.resolve(id, { paths: [ROOT] });
  } catch {
    return null;
  }
}

/** A clean build: dist/ is emptied first so that a deleted source leaves no stale .js behind. */
function build() {
  const tsc = resolveOrNull('typescript/bin/tsc');
  if (!tsc) {
    console.error(
      'dist/ is missing or older than the sources, and TypeScript is not installed (npm ci --omit=dev): ' +
        'run `npm ci && npm run build` where dev dependencies are installed, then copy dist/ here.',
    );
    process.exit(1);
  }
  const hash = sourceHash();
  fs.rmSync(DIST, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', BUILD_CONFIG], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm run build: tsc -p ${BUILD_CONFIG} failed (errors above); dist/ is incomplete.`);
    process.exit(result.status ?? 1);
  }
  fs.writeFileSync(HASH_FILE, `${hash}\n`);
}

function main([command, entry, ...args]) {
  if (command === 'build') return build();
  if (!['start', 'run'].includes(command) || !entry) {
    console.error('usage: node scripts/launch.cjs build | start <entry.ts> | run <entry.ts> [args…]');
    process.exit(2);
  }
  let current = isCurrent();
  if (command === 'start' && !current) {
    console.error('Compiling to dist/ (the sources changed since the last build)…');
    build();
    current = true;
  }
  // The entry sees the same argv as under `tsx <entry> …args`.
  if (current) {
    const compiled = path.join(DIST, entry.replace(/\.ts$/, '.js'));
    process.argv = [process.argv[0], compiled, ...args];
    require(compiled);
    return;
  }
  const tsx = resolveOrNull('tsx/cjs/api');
  if (!tsx) {
    console.error(
      `dist/ is missing or older than the sources and tsx is not installed: run \`npm run build\` first (${entry}).`,
    );
    process.exit(1);
  }
  require(tsx).register();
  process.argv = [process.argv[0], path.join(ROOT, entry), ...args];
  require(path.join(ROOT, entry));
}

module.exports = { sourceHash, isCurrent, compiledSources };
if (require.main === module) main(process.argv.slice(2));
