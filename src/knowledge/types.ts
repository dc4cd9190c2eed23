/**
 * The loaded knowledge: what the server answers from once content/ and intents/ passed the
 * check. Written here, apart from the loader, so the parsers and rules can share it.
 */
import type { ContentWarning } from '../core/content-messages';
import type { ContentError } from '../errors';
import type { Abbreviations } from '../nlu/intents-schema';
import type { IntentDef } from '../nlu/intent-files';
import type { LinkDef, PrivacyMessages, QuickReplyDef } from './schema';

export type { IntentDef } from '../nlu/intent-files';
export type { ContentWarning } from '../core/content-messages';

export interface GuideStep {
  title: string;
  text: string;
}

/** One curated answer, with locality placeholders already filled in. */
export interface Answer {
  intent: string;
  title: string;
  /** The first message: short, at most 600 characters. */
  summary: string;
  /** The `## ` sections of the file, walked one at a time as a guide. */
  steps: GuideStep[];
  quickReplies: QuickReplyDef[];
  links: LinkDef[];
  sources: string[];
  /** Legal documents by number, as the editors cite them. */
  legal: string[];
  reviewed: string;
  needsReview: boolean;
  file: string;
}

export interface LocalityValue {
  value: string;
  needsReview: boolean;
  note?: string;
}

export interface SystemMessages {
  fallback: string;
  /** Answer to stickers, images, files and locations (the fallback when not written). */
  unsupportedMedia: string;
  /** The one reply a citizen gets when sending faster than flood control allows. */
  slowDown: string;
  mainTopics: QuickReplyDef[];
  privacy: PrivacyMessages;
}

export interface Knowledge {
  /** A hash of every loaded file: changes whenever any content changes. */
  version: string;
  intents: IntentDef[];
  outOfScope: string[];
  abbreviations: Abbreviations;
  answers: ReadonlyMap<string, Answer>;
  locality: ReadonlyMap<string, LocalityValue>;
  system: SystemMessages;
}

export interface KnowledgeCheck {
  knowledge?: Knowledge;
  errors: ContentError[];
  warnings: ContentWarning[];
}

export interface KnowledgeDirs {
  contentDir: string;
  intentsDir: string;
}

export interface CheckOptions {
  /** "Today" for the review-age warning; defaults to the current date. */
  today?: Date;
  /**
   * Most buttons under one message on the smallest channel; `npm run content:check` reads it
   * from the channels' limits (src/channels/index.ts PLATFORM_LIMITS). Default BUTTONS_MAX.
   */
  buttonsMax?: number;
}
