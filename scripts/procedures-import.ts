/**
 * `npm run procedures:import -- <folder> [--out data/procedures]`: refreshes the procedure
 * catalogue from a newer export of the national portal (layout: records/, index.csv, forms/).
 * A malformed record stops the import with file:line and the reason; the catalogue in place
 * is then left untouched.
 */
import path from 'node:path';
import { importCatalogue } from '../src/procedures/import';
import { runCli } from './cli-support';

void runCli(() => {
  const args = process.argv.slice(2);
  const outFlag = args.indexOf('--out');
  const outDir = outFlag >= 0 ? args.splice(outFlag, 2)[1] : path.join('data', 'procedures');
  const [folder] = args;
  if (!folder || !outDir) {
    console.error('Usage: npm run procedures:import -- <export folder> [--out data/procedures]');
    process.exit(2);
  }
  const started = performance.now();
  const result = importCatalogue(folder, outDir);
  console.log(
    `Imported ${result.procedures} procedures (${result.detailed} detailed records, ` +
      `${result.indexOnly} from index.csv only) and ${result.forms} forms into ${outDir} ` +
      `in ${Math.round(performance.now() - started)} ms.`,
  );
});
