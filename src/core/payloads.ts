/**
 * The one registry of control payloads. A payload that starts with '#' is never an intent
 * id (content:check refuses intent ids starting with '#'), so a tap on one of these buttons
 * can never be mistaken for a topic. Every '#' payload the bot offers or the channels
 * produce is listed here, with who answers it.
 */
export const PAYLOAD = {
  /** Guide: the next step of the answer in focus (dialogue engine). */
  nextStep: '#next',
  /** Guide: every step at once (dialogue engine). */
  allSteps: '#all',
  /** A sticker, image, file or location: the channels send this instead of text (dialogue engine). */
  unsupported: '#unsupported',
  /** Sent by the flood step, never offered as a button (dialogue engine answers it). */
  slowDown: '#slow-down',
  /** "Was this useful?" buttons (runtime/feedback.ts); a reference to the answer follows after ':'. */
  feedbackUp: '#fb:up',
  feedbackDown: '#fb:down',
  /** The data-deletion confirmation (runtime/erase.ts). */
  eraseYes: '#erase:yes',
  eraseNo: '#erase:no',
} as const;

/** Buttons the engine puts under an answer that has steps: "Xem từng bước" (#next) and "Xem tất cả" (#all). */
export const GUIDE_BUTTONS = 2;

/** Buttons the feedback step (runtime/feedback.ts) puts under an answer: 👍 and 👎. */
export const FEEDBACK_BUTTONS = 2;

/** Answers that are conversation, not information: no feedback question after them. */
export const NO_FEEDBACK: readonly string[] = ['greeting', 'thanks', 'help', 'handoff'];

export type ControlPayload = (typeof PAYLOAD)[keyof typeof PAYLOAD];

/** The intent a Follow, Get Started or /start opens with. */
export const GREETING_INTENT = 'greeting';

/** The intent of "talk to an officer" (runtime/handoff.ts files the request). */
export const HANDOFF_INTENT = 'handoff';

/** True for a control payload (starts with '#'), as opposed to an intent id. */
export function isControlPayload(payload: string): boolean {
  return payload.startsWith('#');
}
