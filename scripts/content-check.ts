/**
 * `npm run content:check`: validates content/ and intents/ (or CONTENT_DIR / INTENTS_DIR)
 * exactly as the server loads them. Exit 1 on any error; warnings never fail the check.
 */
import { runContentCheck } from '../src/knowledge/check-report';
import { cliConfig, runCli } from './cli-support';

void runCli(() => {
  const config = cliConfig();
  process.exitCode = runContentCheck({ contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR });
});
