/** The reply a control step gives instead of the engine's: one text, then the main topics. */
import type { QuickReply, Reply } from '../core/message';
import type { Brain } from '../knowledge/service';
import type { ControlKind, TurnResult } from './types';

export function controlReply(
  brain: Brain,
  userKey: string,
  control: ControlKind,
  text: string,
  options: { quickReplies?: QuickReply[]; unlogged?: boolean } = {},
): TurnResult {
  const { knowledge } = brain;
  const reply: Reply = {
    blocks: [{ type: 'text', text }],
    quickReplies:
      options.quickReplies ?? knowledge.system.mainTopics.map((t) => ({ label: t.label, payload: t.intent })),
  };
  return {
    reply,
    intent: null,
    confidence: 1,
    answerId: null,
    normalisedText: null,
    contentVersion: knowledge.version,
    userKey,
    interactionId: null,
    control,
    unlogged: options.unlogged ?? false,
  };
}
