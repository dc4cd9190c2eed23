/** What the terminal tools share: config from the environment, and a clean exit on bad input. */
import fs from 'node:fs';
import { loadConfig, type Config } from '../src/config';
import { ConfigError, ContentError } from '../src/errors';
import { buildBrain, type Brain } from '../src/knowledge/service';

export function cliConfig(): Config {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  return loadConfig();
}

export function cliBrain(config: Config): Brain {
  return buildBrain(
    { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
    { threshold: config.NLU_THRESHOLD },
  );
}

/** Runs a command; known errors print one line to stderr and exit 1. */
export async function runCli(main: () => void | Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ContentError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
