/**
 * Holds the live knowledge snapshot and the classifier trained on it, and swaps both
 * together on reload. A failed reload keeps the last good pair serving.
 */
import type { ContentError } from '../errors';
import type { Logger } from '../logger';
import {
  trainClassifier,
  trainClassifierInSlices,
  type ClassifierOptions,
  type IntentClassifier,
} from '../nlu/classifier';
import { checkKnowledge, loadKnowledge, type Knowledge, type KnowledgeDirs } from './loader';

export interface Brain {
  knowledge: Knowledge;
  classifier: IntentClassifier;
}

export function buildBrain(dirs: KnowledgeDirs, options: ClassifierOptions): Brain {
  const knowledge = loadKnowledge(dirs);
  return { knowledge, classifier: trainClassifier(knowledge, options) };
}

/** Everything the classifier is trained on, as one comparable string. */
function trainingKey({ intents, outOfScope, abbreviations }: Knowledge): string {
  return JSON.stringify([intents.map((i) => [i.id, i.phrases]), outOfScope, abbreviations]);
}

/** What a reload did: switched to a new version, found nothing new, or kept the old one. */
export type ReloadOutcome =
  | { status: 'reloaded'; version: string }
  | { status: 'unchanged'; version: string }
  | { status: 'rejected'; version: string; errors: ContentError[] };

/**
 * Work a new snapshot needs done before it goes live, besides the classifier (the procedure
 * assistant's index, built from content/procedures/): the first message after a reload must
 * not wait for it. The errors it returns reject the reload like the snapshot's own.
 */
export type SnapshotPreparer = (knowledge: Knowledge) => Promise<ContentError[]>;

export class KnowledgeService {
  private brain: Brain;
  /** The reload in progress (or the last one): reloads run one after the other. */
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly preparers: SnapshotPreparer[] = [];

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

  /** Runs `preparer` on every new snapshot of a reload, before that snapshot goes live. */
  prepareWith(preparer: SnapshotPreparer): void {
    this.preparers.push(preparer);
  }

  /**
   * Re-reads content/ and intents/. A valid new version replaces the live one (classifier
   * retrained if its training data changed, preparers run); an invalid one is logged with
   * file and line and the old version stays live.
   * The old version keeps answering while the new classifier trains (in slices, so the
   * server stays responsive); a reload asked for meanwhile runs after this one.
   */
  reload(): Promise<ReloadOutcome> {
    const next = this.reloading.then(() => this.reloadNow());
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(): Promise<ReloadOutcome> {
    const live = this.brain.knowledge.version;
    let check: ReturnType<typeof checkKnowledge>;
    try {
      check = checkKnowledge(this.dirs);
    } catch (err) {
      // A file vanished between listing and reading (an editor's atomic save): try later.
      this.logger.error({ err }, 'content reload failed; the previous version stays live');
      return { status: 'rejected', version: live, errors: [] };
    }
    if (check.knowledge && check.knowledge.version !== live) {
      const errors: ContentError[] = [];
      try {
        for (const prepare of this.preparers) errors.push(...(await prepare(check.knowledge)));
      } catch (err) {
        this.logger.error(
          { err, liveContentVersion: live },
          'content reload failed; the previous version stays live',
        );
        return { status: 'rejected', version: live, errors: [] };
      }
      if (errors.length > 0) check = { ...check, knowledge: undefined, errors };
    }
    if (!check.knowledge) {
      for (const e of check.errors)
        this.logger.error(
          { file: e.file, line: e.line, field: e.field, liveContentVersion: live },
          `content reload rejected: ${e.message}`,
        );
      this.logger.error(
        { errors: check.errors.length, liveContentVersion: live },
        'content reload rejected; the previous version stays live (run npm run content:check)',
      );
      return { status: 'rejected', version: live, errors: check.errors };
    }
    if (check.knowledge.version === live) return { status: 'unchanged', version: live };
    let classifier = this.brain.classifier;
    try {
      // Most saves change an answer only: the classifier then stays as it is.
      if (trainingKey(check.knowledge) !== trainingKey(this.brain.knowledge))
        classifier = await trainClassifierInSlices(check.knowledge, this.options);
    } catch (err) {
      this.logger.error(
        { err, liveContentVersion: live },
        'content reload failed; the previous version stays live',
      );
      return { status: 'rejected', version: live, errors: [] };
    }
    this.brain = { knowledge: check.knowledge, classifier };
    this.logger.info(
      { contentVersion: check.knowledge.version, previousContentVersion: live },
      'content reloaded',
    );
    return { status: 'reloaded', version: check.knowledge.version };
  }
}
