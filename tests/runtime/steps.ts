/** Small doubles for testing one turn step at a time: a turn, an engine result, a brain. */
import type { IncomingMessage } from '../../src/core/message';
import type { Brain } from '../../src/knowledge/service';
import type { Turn, TurnResult } from '../../src/runtime';

export function turn(message: Partial<IncomingMessage> = {}, userKey = 'k'.repeat(32)): Turn {
  return {
    message: { channel: 'web', userId: 'u1', messageId: 'm1', timestamp: 1, text: 'câu hỏi', ...message },
    userKey,
    status: 'delivered',
    startedAt: 0,
  };
}

export function answer(fields: Partial<TurnResult> = {}): TurnResult {
  return {
    reply: {
      blocks: [{ type: 'text', text: 'Trả lời' }],
      quickReplies: [{ label: 'Chủ đề', payload: 'topic.a' }],
    },
    intent: 'proc.id_card',
    confidence: 0.9,
    answerId: 'proc.id_card',
    normalisedText: 'cau hoi',
    contentVersion: 'v1',
    userKey: 'k'.repeat(32),
    interactionId: null,
    ...fields,
  };
}

/** A brain holding only the system texts the steps read. */
export function brain(): () => Brain {
  const value = {
    knowledge: {
      version: 'v1',
      system: {
        slowDown: 'Chậm lại',
        mainTopics: [{ label: 'Chủ đề chính', intent: 'topic.main' }],
        privacy: {
          notice: 'Lưu ý: giữ {retention_days} ngày',
          erase_confirm: 'Xóa thật không?',
          erase_done: 'Đã xóa',
          erase_cancelled: 'Không xóa',
          feedback_prompt: 'Hữu ích không?',
          feedback_thanks: 'Cảm ơn',
          feedback_sorry: 'Xin lỗi',
        },
      },
    },
  } as unknown as Brain;
  return () => value;
}
