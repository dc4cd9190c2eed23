import { eraseCitizen } from '../../src/privacy/erase';
import { eraseStep, isEraseRequest } from '../../src/runtime/erase';
import { openDatabase } from '../../src/store/db';
import { SessionStore } from '../../src/store/sessions';
import { answer, brain, turn } from './steps';

describe('erase step', () => {
  const db = openDatabase(':memory:');
  afterAll(() => db.close());
  const sessions = new SessionStore(db, 60_000);
  const step = eraseStep((userKey) => eraseCitizen(db, userKey), sessions, brain());
  const next = jest.fn(() => answer());
  beforeEach(() => next.mockClear());

  it.each(['xóa dữ liệu của tôi', 'XOA DU LIEU CUA TOI', 'delete my data'])('recognises "%s"', (text) =>
    expect(isEraseRequest(text)).toBe(true),
  );
  it('does not take a question about deleting records for a request', () =>
    expect(isEraseRequest('xóa đăng ký thường trú')).toBe(false));

  it('asks to confirm, and on "Có" erases without logging the reply', () => {
    const ask = step.run(turn({ text: 'xóa dữ liệu của tôi' }), next);
    expect(ask).toMatchObject({ control: 'erase', reply: { blocks: [{ text: 'Xóa thật không?' }] } });
    expect(ask.reply.quickReplies.map((q) => q.payload)).toEqual(['#erase:yes', '#erase:no']);
    const done = step.run(turn({ text: 'có' }), next);
    expect(done).toMatchObject({ control: 'erase', unlogged: true, reply: { blocks: [{ text: 'Đã xóa' }] } });
    expect(next).not.toHaveBeenCalled();
  });

  it('cancels on "Không", and lets the question lapse on anything else', () => {
    step.run(turn({ text: 'xóa dữ liệu của tôi' }), next);
    expect(step.run(turn({ text: 'không' }), next).reply.blocks[0]).toEqual({
      type: 'text',
      text: 'Không xóa',
    });
    step.run(turn({ text: 'xóa dữ liệu của tôi' }), next);
    expect(step.run(turn({ text: 'làm căn cước' }), next)).toEqual(answer());
    expect(next).toHaveBeenCalledTimes(1);
  });
});
