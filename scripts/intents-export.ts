/** `npm run --silent intents:export`: every training phrase, one `{"text", "intent"}` per line. */
import { readTrainingData } from '../src/knowledge/training-data';
import { cliConfig, runCli } from './cli-support';

void runCli(() => {
  const { intents } = readTrainingData(cliConfig().INTENTS_DIR);
  const out = intents.flatMap((intent) =>
    intent.phrases.map((text) => JSON.stringify({ text, intent: intent.id })),
  );
  process.stdout.write(out.length ? `${out.join('\n')}\n` : '');
});
