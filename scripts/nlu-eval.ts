/**
 * `npm run nlu:eval -- FILE.jsonl [FILE2.jsonl …]`: scores the classifier trained on intents/
 * against labelled messages and prints accuracy, out-of-scope rejection, per-intent
 * precision/recall/F1, the top confusions and every misclassified message.
 */
import { evaluate, formatEvaluation, readLabelled } from '../src/nlu/evaluate';
import { cliBrain, cliConfig, runCli } from './cli-support';

void runCli(() => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: npm run nlu:eval -- FILE.jsonl [FILE2.jsonl …] (lines of {"text", "intent"})');
    process.exit(2);
  }
  const { classifier } = cliBrain(cliConfig());
  for (const file of files) {
    let messages;
    try {
      messages = readLabelled(file);
    } catch (err) {
      console.error((err as Error).message);
      process.exit(1);
    }
    console.log(`== ${file}`);
    console.log(formatEvaluation(evaluate((t) => classifier.classify(t), messages)));
    console.log('');
  }
});
