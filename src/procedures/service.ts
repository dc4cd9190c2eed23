/**
 * Keeps one ProcedureAssistant per content version: the catalogue is loaded once, and the
 * editors' files (content/procedures/*.md, the locality's agencies) and the topic
 * classifier's abbreviations are read again whenever the knowledge snapshot changes.
 */
import type { Knowledge } from '../knowledge/loader';
import type { Logger } from '../logger';
import { ProcedureAssistant } from './assistant';
import type { ProcedureCatalogue } from './catalogue';
import { checkProcedureContent } from './content';

export interface ProcedureServiceOptions {
  contentDir: string;
  /** The public URL of a form file (data/procedures/forms/<file>). */
  formUrl?: (file: string) => string;
  logger?: Logger;
}

/** Where forms are served: /procedures/forms/<code>/<file name>. */
export const FORMS_ROUTE = '/procedures/forms';

export class ProcedureService {
  private built?: { version: string; assistant: ProcedureAssistant };

  constructor(
    readonly catalogue: ProcedureCatalogue,
    private readonly options: ProcedureServiceOptions,
  ) {}

  /** The assistant for this knowledge snapshot, built on first use after each change. */
  assistantFor(knowledge: Knowledge): ProcedureAssistant {
    if (this.built?.version === knowledge.version) return this.built.assistant;
    const check = checkProcedureContent(this.options.contentDir, this.catalogue, {
      locality: knowledge.locality,
    });
    // content:check reports these with file and line; the bot serves the valid files meanwhile.
    for (const e of check.errors)
      this.options.logger?.error(
        { file: e.file, line: e.line, field: e.field },
        `procedure content ignored: ${e.problem}`,
      );
    const assistant = new ProcedureAssistant({
      catalogue: this.catalogue,
      content: check.entries,
      agencies: check.agencies,
      abbreviations: knowledge.abbreviations,
      phrases: [...knowledge.intents.flatMap((i) => i.phrases), ...knowledge.outOfScope],
      province: knowledge.locality.get('commune.province')?.value,
      formUrl: this.options.formUrl,
    });
    this.built = { version: knowledge.version, assistant };
    return assistant;
  }
}
