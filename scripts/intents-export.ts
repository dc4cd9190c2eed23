/** `npm run --silent intents:export`: every training phrase, one `{"text", "intent"}` per line. */
import { cliBrain, cliConfig, runCli } from './cli-support';

void runCli(() => {
  const { knowledge } = cliBrain(cliConfig());
  const out: string[] = [];
  for (const intent of knowledge.intents)
    for (const text of intent.phrases) out.push(JSON.stringify({ text, intent: intent.id }));
  process.stdout.write(out.length ? `${out.join('\n')}\n` : '');
});
