/**
 * Which Chromium the browser tests drive: CHROMIUM_PATH when set, else the first Chromium or
 * Chrome on PATH. playwright-core downloads no browser, so when there is none the tests stop
 * with one line saying how to get one, instead of a stack trace about a missing file.
 *
 * Run directly (`node --import tsx tests/support/chromium.ts`) it prints the path it found.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The names Debian, Ubuntu and Google's packages install the browser under, in this order. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export const INSTALL_HINT =
  'The browser tests need Chromium: install it (Debian/Ubuntu: apt-get install chromium) ' +
  'or set CHROMIUM_PATH to a Chromium or Chrome executable.';

/** Thrown when no browser is found; its stack is its one line, so jest shows just that. */
export class ChromiumNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChromiumNotFoundError';
    this.stack = message;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.CHROMIUM_PATH;
  if (named) {
    if (isExecutableFile(named)) return named;
    throw new ChromiumNotFoundError(`CHROMIUM_PATH=${named} is not an executable file. ${INSTALL_HINT}`);
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES)
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  throw new ChromiumNotFoundError(`No Chromium found on PATH. ${INSTALL_HINT}`);
}

if (require.main === module) {
  try {
    console.log(findChromium());
  } catch (err) {
    if (!(err instanceof ChromiumNotFoundError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
