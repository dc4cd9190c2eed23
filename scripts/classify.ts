/**
 * `npm run --silent classify`: one message per stdin line → one JSON line per message,
 * `{"text", "intent" (null = fallback), "confidence"}`. Nothing else goes to stdout.
 */
import readline from 'node:readline';
import { cliBrain, cliConfig, runCli } from './cli-support';

void runCli(async () => {
  const { classifier } = cliBrain(cliConfig());
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const text of lines) {
    const { intent, confidence } = classifier.classify(text);
    process.stdout.write(`${JSON.stringify({ text, intent, confidence })}\n`);
  }
});
