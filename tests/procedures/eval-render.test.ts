/**
 * Every facet of every procedure in the shipped catalogue, rendered as the assistant renders
 * it, states no amount or duration that the procedure's record or the editors' sourced
 * content does not state.
 */
import { loadKnowledge } from '../../src/knowledge/loader';
import { repoNumberSources } from '../../src/procedures/evaluate';
import { loadCatalogue } from '../../src/procedures/catalogue';
import { checkProcedureContent } from '../../src/procedures/content';
import { FACETS } from '../../src/procedures/facets';
import { renderProcedure } from '../../src/procedures/render';

const CONTENT_DIR = 'content';

it('renders every facet of every procedure without an invented number', () => {
  const knowledge = loadKnowledge({ contentDir: CONTENT_DIR, intentsDir: 'intents' });
  const catalogue = loadCatalogue();
  const content = checkProcedureContent(CONTENT_DIR, catalogue, { locality: knowledge.locality });
  const sources = repoNumberSources({ catalogue, contentDir: CONTENT_DIR });
  const invented: string[] = [];
  let rendered = 0;
  for (const procedure of catalogue.all()) {
    for (const facet of FACETS) {
      const { blocks } = renderProcedure(procedure, [facet], {
        content: content.entries.get(procedure.code),
        agencies: content.agencies,
        formUrl: (file) => `https://bot.example/procedures/forms/${file}`,
      });
      const text = blocks.map((b) => (b.type === 'text' ? b.text : b.label)).join('\n');
      for (const q of sources(procedure.code).invented(text))
        invented.push(`${procedure.code} ${facet}: "${q.raw}"`);
      rendered++;
    }
  }
  expect(rendered).toBe(catalogue.size * FACETS.length);
  expect(invented).toEqual([]);
}, 300_000);
