/**
 * An officer erases one citizen's data by pseudonymous id (shown in handoff requests and
 * on the dashboard):  npm run privacy:erase -- <32-hex id> [--db data/bot.sqlite]
 * With DATABASE_URL set, the shared tables on that PostgreSQL server are erased too.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { alsoEraseIn, eraseCitizenInStore, erasedRows, isPseudonym } from '../src/privacy/erase';
import { openDatabase } from '../src/store/db';
import { openStore } from '../src/store/store';
import { cliConfig, runCli } from './cli-support';

void runCli(async () => {
  let parsed;
  try {
    parsed = parseArgs({ options: { db: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: npm run privacy:erase -- <pseudonymous id> [--db PATH]`);
    process.exit(2);
  }
  const [userKey] = parsed.positionals;
  if (parsed.positionals.length !== 1 || !isPseudonym(userKey)) {
    console.error(
      'Expected one pseudonymous id: 32 characters 0-9 a-f.\nusage: npm run privacy:erase -- <pseudonymous id> [--db PATH]',
    );
    process.exit(2);
  }
  const config = cliConfig();
  const file = parsed.values.db ?? config.DATABASE_PATH;
  if (!fs.existsSync(file)) {
    console.error(`No database at ${file}.`);
    process.exit(2);
  }
  const store = await openStore(config, { db: openDatabase(file) });
  try {
    alsoEraseIn(store.db, store.engine, () => undefined);
    const report = await eraseCitizenInStore(store.db, userKey);
    const total = erasedRows(report);
    console.log(total === 0 ? `Nothing stored for ${userKey}.` : `Erased ${total} rows of ${userKey}:`);
    for (const [table, n] of Object.entries(report)) if (n > 0) console.log(`  ${table}: ${n}`);
  } finally {
    await store.close();
  }
});
