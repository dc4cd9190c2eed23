/**
 * Keeps one ProcedureAssistant per content version: the catalogue is loaded once, and the
 * editors' files (content/procedures/*.md, the locality's agencies) and the topic
 * classifier's abbreviations are read again whenever the knowledge snapshot changes.
 *
 * Building an assistant (its search index over the whole catalogue) takes a few hundred
 * milliseconds, so it is done before a snapshot serves anyone: at start-up (`prepare` from
 * the app) and during a reload, before the new snapshot goes live (the knowledge service's
 * preparer). `assistantFor` only builds when nobody prepared (scripts, tests).
 */
import type { ContentError } from '../errors';
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

/** Where citizens download a form file: under FORMS_ROUTE of the public base URL. */
export function formUrlFor(publicBaseUrl: string): (file: string) => string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return (file) => `${base}${FORMS_ROUTE}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** Assistants kept: the live snapshot's and the one a reload is preparing. */
const KEPT = 2;

export class ProcedureService {
  private readonly built = new Map<string, ProcedureAssistant>();

  constructor(
    readonly catalogue: ProcedureCatalogue,
    private readonly options: ProcedureServiceOptions,
  ) {}

  /** The assistant for this knowledge snapshot (built here if it was not prepared). */
  assistantFor(knowledge: Knowledge): ProcedureAssistant {
    const built = this.built.get(knowledge.version);
    if (built) return built;
    const check = this.build(knowledge);
    // content:check reports these with file and line; the bot serves the valid files meanwhile.
    for (const e of check.errors)
      this.options.logger?.error(
        { file: e.file, line: e.line, field: e.field },
        `procedure content ignored: ${e.problem}`,
      );
    return this.built.get(knowledge.version)!;
  }

  /**
   * Builds the assistant for a snapshot ahead of its first message; returns the problems of
   * content/procedures/*.md (a reload with any is rejected: the last good version serves).
   */
  prepare(knowledge: Knowledge): ContentError[] {
    return this.built.has(knowledge.version) ? [] : this.build(knowledge).errors;
  }

  private build(knowledge: Knowledge) {
    const check = checkProcedureContent(this.options.contentDir, this.catalogue, {
      locality: knowledge.locality,
    });
    const assistant = new ProcedureAssistant({
      catalogue: this.catalogue,
      content: check.entries,
      agencies: check.agencies,
      abbreviations: knowledge.abbreviations,
      phrases: [...knowledge.intents.flatMap((i) => i.phrases), ...knowledge.outOfScope],
      province: knowledge.locality.get('commune.province')?.value,
      formUrl: this.options.formUrl,
    });
    this.built.set(knowledge.version, assistant);
    // Insertion order: the first key is the oldest snapshot.
    while (this.built.size > KEPT) this.built.delete(this.built.keys().next().value!);
    return check;
  }
}
