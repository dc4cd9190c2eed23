/**
 * The index prunes candidates by an upper bound of their score (src/procedures/search.ts,
 * `candidates`): the top results must be exactly those of scoring every candidate, for the
 * turns of the conversation files, official names and within the options a choice is made in.
 * A scoring change that breaks the bound fails here, not silently in the ranking.
 *
 * Every third turn of every file and every 120th official name: scoring every candidate for
 * all of them took 20-45 s on a loaded machine, and a third of each file keeps the same mix of
 * first questions, short follow-ups and long stories (bench:procedures times both on more).
 */
import fs from 'node:fs';
import { loadKnowledge } from '../../src/knowledge/loader';
import { ProcedureAssistant } from '../../src/procedures/assistant';
import { sharedCatalogue } from '../../src/procedures/catalogue';
import { checkProcedureContent } from '../../src/procedures/content';

/** The conversation files tuned on: their turns are the messages citizens write. */
const FILES = fs
  .readdirSync('tests/fixtures/procedures')
  .filter((f) => f.endsWith('.jsonl') && f !== 'heldout.jsonl')
  .map((f) => `tests/fixtures/procedures/${f}`);

describe('candidate pruning in the procedure index', () => {
  const knowledge = loadKnowledge({ contentDir: 'content', intentsDir: 'intents' });
  const catalogue = sharedCatalogue();
  const content = checkProcedureContent('content', catalogue, { locality: knowledge.locality });
  const assistant = new ProcedureAssistant({
    catalogue,
    content: content.entries,
    agencies: content.agencies,
    abbreviations: knowledge.abbreviations,
    province: knowledge.locality.get('commune.province')?.value,
  });
  const turnsByFile = FILES.map((f) =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => (JSON.parse(l) as { turns: string[] }).turns)
      .filter((_, i) => i % 3 === 0),
  );
  // Some official names too: long, they bring the most candidates.
  const names = catalogue.summaries.filter((_, i) => i % 120 === 0).map((s) => s.name);
  const messages = [...turnsByFile.flat(), ...names].map((t) => assistant.normalise(t).tokens);

  it('gives the same top results as scoring every candidate', () => {
    expect(turnsByFile.every((turns) => turns.length > 0)).toBe(true);
    expect(names.length).toBeGreaterThanOrEqual(40);
    expect(messages.length).toBeGreaterThan(250);
    // A result does not depend on how many are asked for: the top 1 is the top 12's first.
    const differences = messages.filter((tokens) => {
      const exhaustive = JSON.stringify(assistant.index.rank(tokens, 12, { exhaustive: true }));
      return (
        JSON.stringify(assistant.index.rank(tokens, 12)) !== exhaustive ||
        JSON.stringify(assistant.index.rank(tokens, 1)) !== JSON.stringify(JSON.parse(exhaustive).slice(0, 1))
      );
    });
    expect(differences.map((t) => t.join(' '))).toEqual([]);
  });

  it('gives the same within a set of options', () => {
    const restrictTo = new Set(catalogue.summaries.slice(0, 400).map((s) => s.code));
    for (const tokens of messages.slice(0, 300))
      expect(assistant.index.rank(tokens, 5, { restrictTo })).toEqual(
        assistant.index.rank(tokens, 5, { restrictTo, exhaustive: true }),
      );
  });
});
