/**
 * `npm run chat`: talk to the bot in the terminal, through the same runtime as every channel
 * (flood control, privacy notice, feedback, link tracking and the log included).
 * Type a message; type a number to tap a quick reply; /debug toggles intent and confidence;
 * /quit leaves. Uses an in-memory database, so nothing is kept.
 */
import readline from 'node:readline';
import type { QuickReply } from '../src/core/message';
import { sharedCatalogue } from '../src/procedures/catalogue';
import { ProcedureService } from '../src/procedures/service';
import { buildRuntime } from '../src/runtime';
import { openDatabase } from '../src/store/db';
import { cliBrain, cliConfig, runCli } from './cli-support';

void runCli(async () => {
  const config = cliConfig();
  const brain = cliBrain(config);
  const procedures = new ProcedureService(sharedCatalogue(), { contentDir: config.CONTENT_DIR });
  const runtime = buildRuntime(config, {
    db: openDatabase(':memory:'),
    brain: () => brain,
    procedures: (b) => procedures.assistantFor(b.knowledge),
  });
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  let debug = false;
  let quickReplies: QuickReply[] = [];
  let counter = 0;

  console.log(
    `Trợ lý TTHC — nội dung phiên bản ${brain.knowledge.version}. Gõ câu hỏi; số để chọn gợi ý; /debug; /quit.`,
  );
  rl.setPrompt('\nBạn: ');
  rl.prompt();
  // Reading lines as they come (not rl.question) also works with piped input.
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '/quit') break;
    if (line === '/debug') {
      debug = !debug;
      console.log(`debug ${debug ? 'bật' : 'tắt'}`);
      rl.prompt();
      continue;
    }
    if (!line) {
      rl.prompt();
      continue;
    }
    const tapped = /^\d+$/.test(line) ? quickReplies[Number(line) - 1] : undefined;
    const result = runtime.respond({
      channel: 'cli',
      userId: 'terminal',
      messageId: String(++counter),
      ...(tapped ? { payload: tapped.payload } : { text: line }),
      timestamp: Date.now(),
    });
    for (const block of result.reply.blocks)
      console.log(block.type === 'text' ? `\nBot: ${block.text}` : `\nBot: [${block.label}] ${block.url}`);
    quickReplies = result.reply.quickReplies;
    quickReplies.forEach((q, i) => console.log(`  ${i + 1}. ${q.label}`));
    if (debug) console.log(`  (intent: ${result.intent ?? 'null'}, confidence: ${result.confidence})`);
    rl.prompt();
  }
  rl.close();
});
