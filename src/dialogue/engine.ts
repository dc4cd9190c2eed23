/**
 * The dialogue engine: one incoming message and the citizen's session in, one Reply out.
 * Taps (payloads) go straight to their target; only free text is classified.
 */
import { guideStepText, type Answer } from '../knowledge/loader';
import type { Brain } from '../knowledge/service';
import type { AssistantReply, ProcedureAssistant, ProcedureRef } from '../procedures/assistant';
import type { Sessions, SessionState } from '../store/sessions';
import { HANDOFF_INTENT, PAYLOAD } from '../core/payloads';
import type { IncomingMessage, QuickReply, Reply, ReplyBlock } from './types';

export { PAYLOAD };

const LABELS = {
  startGuide: 'Xem từng bước',
  next: 'Tiếp',
  all: 'Xem tất cả',
  handoff: 'Gặp cán bộ',
} as const;
/** Free text that means "go on" while a guide is open (folded, punctuation removed). */
const NEXT_WORDS = new Set(['tiep', 'tiep theo', 'tiep di', 'next', 'buoc tiep', 'buoc tiep theo']);

export interface EngineResult {
  reply: Reply;
  intent: string | null;
  confidence: number;
  /** The answer shown (an intent id), or null for the fallback. */
  answerId: string | null;
  /** The folded text the classifier saw; null for taps. */
  normalisedText: string | null;
  contentVersion: string;
  /** True for a further step of a guide already opened ("tiếp"): not a new question. */
  guideStep?: boolean;
  /** The procedure answered from the catalogue, or null (a topic, a question, the fallback). */
  procedure?: ProcedureRef | null;
  /** The procedures offered as choices, in the order offered. */
  options?: ProcedureRef[];
  /** The facets of the procedure the reply covers ("documents", "time", …). */
  facets?: string[];
}

/** The answer id logged for a question offering several procedures. */
export const PROCEDURE_CLARIFY_ID = 'procedures.clarify';

export class DialogueEngine {
  constructor(
    private readonly brain: () => Brain,
    private readonly sessions: Sessions,
    /** The procedure assistant for a knowledge snapshot; without it only the topics answer. */
    private readonly procedures?: (brain: Brain) => ProcedureAssistant,
  ) {}

  /** @param userKey the pseudonymous id the session is stored under. */
  handle(message: IncomingMessage, userKey: string): EngineResult {
    const brain = this.brain();
    const session = this.sessions.get(userKey);
    const result =
      message.payload !== undefined
        ? this.handlePayload(brain, session, message.payload)
        : this.handleText(brain, session, message.text ?? '');
    this.sessions.set(userKey, session);
    return { ...result, contentVersion: brain.knowledge.version };
  }

  private handlePayload(brain: Brain, session: SessionState, payload: string) {
    if (payload === PAYLOAD.unsupported) {
      // Polite "text only", with the main topics; an open guide stays open.
      const { unsupportedMedia, mainTopics } = brain.knowledge.system;
      const reply: Reply = {
        blocks: [{ type: 'text', text: unsupportedMedia }],
        quickReplies: mainTopics.map((t) => ({ label: t.label, payload: t.intent })),
      };
      return { reply, intent: null, confidence: 1, answerId: null, normalisedText: null };
    }
    if (payload === PAYLOAD.slowDown) {
      const reply: Reply = {
        blocks: [{ type: 'text', text: brain.knowledge.system.slowDown }],
        quickReplies: [],
      };
      return { reply, intent: null, confidence: 0, answerId: null, normalisedText: null };
    }
    if (payload === PAYLOAD.nextStep || payload === PAYLOAD.allSteps) {
      const answer = session.guide && brain.knowledge.answers.get(session.guide.intent);
      if (answer && session.guide) {
        const reply = payload === PAYLOAD.allSteps ? allSteps(answer, session) : nextStep(answer, session);
        return { reply, intent: answer.intent, confidence: 1, answerId: answer.intent, normalisedText: null };
      }
      // The guide expired or was never opened: say so through the fallback.
      return this.fallback(brain, session, 0, null);
    }
    const tapped = this.procedures?.(brain).tap(payload, session.procedure);
    if (tapped && tapped.kind !== 'none')
      return this.procedureResult(session, tapped.kind, tapped.reply, null, 1, null);
    const answer = brain.knowledge.answers.get(payload);
    if (!answer) return this.fallback(brain, session, 0, null);
    return {
      reply: this.answer(answer, session),
      intent: answer.intent,
      confidence: 1,
      answerId: answer.intent,
      normalisedText: null,
    };
  }

  private handleText(brain: Brain, session: SessionState, text: string) {
    const classification = brain.classifier.classify(text);
    const normalisedText = classification.normalised.folded;
    const guideAnswer = session.guide && brain.knowledge.answers.get(session.guide.intent);
    if (guideAnswer && NEXT_WORDS.has(normalisedText)) {
      return {
        reply: nextStep(guideAnswer, session),
        intent: guideAnswer.intent,
        confidence: 1,
        answerId: guideAnswer.intent,
        normalisedText,
        guideStep: true,
      };
    }
    // A question about a procedure goes to the catalogue, even when a broad topic matches too.
    const decision = this.procedures?.(brain).decide(text, session.procedure, classification);
    if (decision && decision.kind !== 'none')
      return this.procedureResult(
        session,
        decision.kind,
        decision.reply,
        classification.intent,
        classification.confidence,
        normalisedText,
      );
    const answer = classification.intent ? brain.knowledge.answers.get(classification.intent) : undefined;
    if (!answer) return this.fallback(brain, session, classification.confidence, normalisedText);
    return {
      reply: this.answer(answer, session),
      intent: answer.intent,
      confidence: classification.confidence,
      answerId: answer.intent,
      normalisedText,
    };
  }

  private procedureResult(
    session: SessionState,
    kind: 'answer' | 'clarify',
    reply: AssistantReply,
    intent: string | null,
    confidence: number,
    normalisedText: string | null,
  ) {
    session.guide = null;
    session.lastIntent = null;
    return {
      reply: { blocks: reply.blocks, quickReplies: reply.buttons },
      intent,
      confidence,
      answerId: kind === 'answer' && reply.procedure ? reply.procedure.code : PROCEDURE_CLARIFY_ID,
      normalisedText,
      procedure: reply.procedure,
      options: reply.options,
      facets: reply.facets,
    };
  }

  private answer(answer: Answer, session: SessionState): Reply {
    // A topic replaces the procedure in focus: "thế mất bao lâu" no longer refers to it.
    session.procedure = { focus: null, options: [], facets: [] };
    session.lastIntent = answer.intent;
    session.guide = answer.steps.length > 0 ? { intent: answer.intent, step: -1 } : null;
    const guideButtons: QuickReply[] =
      answer.steps.length > 0
        ? [
            { label: LABELS.startGuide, payload: PAYLOAD.nextStep },
            { label: LABELS.all, payload: PAYLOAD.allSteps },
          ]
        : [];
    return {
      blocks: [{ type: 'text', text: answer.summary }, ...linkBlocks(answer)],
      quickReplies: [
        ...guideButtons,
        ...answer.quickReplies.map((q) => ({ label: q.label, payload: q.intent })),
      ],
    };
  }

  private fallback(brain: Brain, session: SessionState, confidence: number, normalisedText: string | null) {
    session.guide = null;
    const { fallback, mainTopics } = brain.knowledge.system;
    const reply: Reply = {
      blocks: [{ type: 'text', text: fallback }],
      quickReplies: mainTopics.map((t) => ({ label: t.label, payload: t.intent })),
    };
    return { reply, intent: null, confidence, answerId: null, normalisedText };
  }
}

function linkBlocks(answer: Answer): ReplyBlock[] {
  return answer.links.map((l) => ({ type: 'link', label: l.label, url: l.url }));
}

function nextStep(answer: Answer, session: SessionState): Reply {
  const total = answer.steps.length;
  const index = Math.min((session.guide?.step ?? -1) + 1, total - 1);
  session.guide = { intent: answer.intent, step: index };
  const step = answer.steps[index];
  const quickReplies: QuickReply[] = [];
  if (index + 1 < total) quickReplies.push({ label: LABELS.next, payload: PAYLOAD.nextStep });
  quickReplies.push(
    { label: LABELS.all, payload: PAYLOAD.allSteps },
    { label: LABELS.handoff, payload: HANDOFF_INTENT },
  );
  return {
    blocks: [{ type: 'text', text: guideStepText(step, index, total) }],
    quickReplies,
  };
}

function allSteps(answer: Answer, session: SessionState): Reply {
  session.guide = { intent: answer.intent, step: answer.steps.length - 1 };
  const total = answer.steps.length;
  return {
    blocks: [
      ...answer.steps.map((s, i): ReplyBlock => ({
        type: 'text',
        text: guideStepText(s, i, total),
      })),
      ...linkBlocks(answer),
    ],
    quickReplies: [
      { label: LABELS.handoff, payload: HANDOFF_INTENT },
      ...answer.quickReplies.map((q) => ({ label: q.label, payload: q.intent })),
    ],
  };
}
