/**
 * The package's own folder (where package.json, public/ and node_modules/ are), found by
 * walking up from this file: it runs as src/paths.ts under tsx and as dist/src/paths.js once
 * compiled, so a fixed number of '..' would be right for only one of them.
 */
import fs from 'node:fs';
import path from 'node:path';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);
