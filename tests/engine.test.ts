import { DialogueEngine, PAYLOAD } from '../src/dialogue/engine';
import type { IncomingMessage } from '../src/dialogue/types';
import { buildBrain } from '../src/knowledge/service';
import { openDatabase } from '../src/store/db';
import { SessionStore } from '../src/store/sessions';

const brain = buildBrain({ contentDir: 'content', intentsDir: 'intents' }, { threshold: 0.5 });

function setup(now = { t: 1_000_000 }) {
  const sessions = new SessionStore(openDatabase(':memory:'), 30 * 60_000, () => now.t);
  const engine = new DialogueEngine(() => brain, sessions);
  let n = 0;
  const say = (input: Pick<IncomingMessage, 'text' | 'payload'>, user = 'user-a') =>
    engine.handle({ channel: 'web', userId: user, messageId: String(++n), timestamp: now.t, ...input }, user);
  return { say, sessions, now };
}

const texts = (r: { reply: { blocks: { type: string }[] } }) =>
  r.reply.blocks.map((b) => ('text' in b ? b.text : '')).join('\n');

describe('DialogueEngine', () => {
  it('walks a guide step by step with "Bước n/N" and ends without a "Tiếp" button', () => {
    const { say } = setup();
    const answer = brain.knowledge.answers.get('proc.id_card')!;
    const total = answer.steps.length;
    expect(total).toBeGreaterThan(1);

    const first = say({ payload: 'proc.id_card' });
    expect(first.reply.quickReplies.map((q) => q.payload)).toEqual(
      expect.arrayContaining([PAYLOAD.nextStep, PAYLOAD.allSteps]),
    );

    for (let step = 1; step <= total; step++) {
      const r = say({ payload: PAYLOAD.nextStep });
      expect(texts(r)).toMatch(new RegExp(`^Bước ${step}/${total}: ${answer.steps[step - 1].title}`));
      const hasNext = r.reply.quickReplies.some((q) => q.payload === PAYLOAD.nextStep);
      expect(hasNext).toBe(step < total);
      expect(r.reply.quickReplies.some((q) => q.payload === 'handoff')).toBe(true);
    }
  });

  it('accepts "tiếp" typed as text while a guide is open', () => {
    const { say } = setup();
    say({ payload: 'proc.id_card' });
    expect(texts(say({ text: 'Tiếp' }))).toMatch(/^Bước 1\//);
    expect(texts(say({ text: 'tiep theo' }))).toMatch(/^Bước 2\//);
  });

  it('shows every step at once on "Xem tất cả"', () => {
    const { say } = setup();
    say({ payload: 'proc.id_card' });
    const r = say({ payload: PAYLOAD.allSteps });
    const steps = brain.knowledge.answers.get('proc.id_card')!.steps;
    expect(r.reply.blocks.filter((b) => b.type === 'text')).toHaveLength(steps.length);
  });

  it('forgets the guide after the session expires', () => {
    const now = { t: 1_000_000 };
    const { say } = setup(now);
    say({ payload: 'proc.id_card' });
    now.t += 31 * 60_000;
    const r = say({ payload: PAYLOAD.nextStep });
    expect(r.intent).toBeNull();
  });

  it('keeps sessions apart per user', () => {
    const { say } = setup();
    say({ payload: 'proc.id_card' }, 'user-a');
    expect(say({ payload: PAYLOAD.nextStep }, 'user-b').intent).toBeNull();
    expect(say({ payload: PAYLOAD.nextStep }, 'user-a').intent).toBe('proc.id_card');
  });

  it('answers an unknown payload with the fallback rather than an error', () => {
    const { say } = setup();
    const r = say({ payload: 'no.such.intent' });
    expect(r.intent).toBeNull();
    expect(r.reply.quickReplies).toHaveLength(brain.knowledge.system.mainTopics.length);
  });

  it('records the content version of every answer', () => {
    const { say } = setup();
    expect(say({ text: 'xin chào' }).contentVersion).toBe(brain.knowledge.version);
  });
});
