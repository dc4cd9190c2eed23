/**
 * `npm run content:check`: validates content/ and intents/ (or CONTENT_DIR / INTENTS_DIR)
 * exactly as the server loads them, and content/procedures/*.md and the locality's agencies
 * against the procedure catalogue. Exit 1 on any error; warnings never fail the check.
 * Messages are in Vietnamese for the editors; `npm run content:check -- --lang en` for English.
 */
import { smallestLimits } from '../src/channels';
import { runContentCheck } from '../src/knowledge/check-report';
import { LANGS, type Lang } from '../src/core/content-messages';
import { procedureContentCheck } from '../src/procedures/content';
import { cliConfig, runCli } from './cli-support';

function langFlag(args: string[]): Lang {
  const i = args.indexOf('--lang');
  if (i < 0) return 'vi';
  const lang = args[i + 1];
  if (LANGS.includes(lang as Lang)) return lang as Lang;
  console.error(`--lang: expected one of ${LANGS.join(', ')} (got ${lang ?? 'nothing'})`);
  process.exit(2);
}

void runCli(() => {
  const lang = langFlag(process.argv.slice(2));
  const config = cliConfig();
  process.exitCode = runContentCheck(
    { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
    // The channels say how many buttons fit; the guide buttons the engine adds count too.
    { lang, extra: [procedureContentCheck(config.CONTENT_DIR)], buttonsMax: smallestLimits().buttonsMax },
  );
});
