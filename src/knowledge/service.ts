/**
 * Holds the live knowledge snapshot and the classifier trained on it, and swaps both
 * together on reload. A failed reload keeps the last good pair serving.
 */
import type { Logger } from '../logger';
import { trainClassifier, type ClassifierOptions, type IntentClassifier } from '../nlu/classifier';
import { loadKnowledge, type Knowledge, type KnowledgeDirs } from './loader';

export interface Brain {
  knowledge: Knowledge;
  classifier: IntentClassifier;
}

export function buildBrain(dirs: KnowledgeDirs, options: ClassifierOptions): Brain {
  const knowledge = loadKnowledge(dirs);
  return { knowledge, classifier: trainClassifier(knowledge, options) };
}

export class KnowledgeService {
  private brain: Brain;

  /** Loads the content once; throws a `ContentError` if it is invalid. */
  constructor(
    private readonly dirs: KnowledgeDirs,
    private readonly options: ClassifierOptions,
    private readonly logger: Logger,
  ) {
    this.brain = buildBrain(dirs, options);
  }

  get current(): Brain {
    return this.brain;
  }

  /** Reloads from disk; returns false (and keeps serving the old version) on any error. */
  reload(): boolean {
    try {
      const next = buildBrain(this.dirs, this.options);
      if (next.knowledge.version !== this.brain.knowledge.version)
        this.logger.info({ contentVersion: next.knowledge.version }, 'content reloaded');
      this.brain = next;
      return true;
    } catch (err) {
      this.logger.error({ err }, 'content reload failed; the previous version stays live');
      return false;
    }
  }
}
