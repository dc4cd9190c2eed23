/** The evaluation harness itself: reading conversation files, judging replies, counting numbers. */
import fs from 'node:fs';
import path from 'node:path';
import {
  chatReplyFromBody,
  evaluateConversations,
  formatProcedureEvaluation,
  readConversations,
  type ChatReply,
  type Conversation,
} from '../../src/procedures/evaluate';
import { QuantitySources } from '../../src/procedures/invented-numbers';
import { tempDir } from '../support/app';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'procedures');

function writeJsonl(lines: string[]): string {
  const file = path.join(tempDir(), 'cases.jsonl');
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

describe('#readConversations', () => {
  it.each(['dev.jsonl', 'heldout.jsonl'])('reads every line of %s', (name) => {
    const conversations = readConversations(path.join(FIXTURES, name));
    expect(conversations.length).toBeGreaterThan(0);
    expect(conversations[0].line).toBe(1);
  });

  it.each([
    ['not JSON', '{"turns": [', /cases\.jsonl:2: not valid JSON/],
    ['an unknown behavior', '{"turns":["a"],"behavior":"ignore","codes":[],"facets":[]}', /:2: behavior:/],
    [
      'a malformed code',
      '{"turns":["a"],"behavior":"answer","codes":["1001193"],"facets":[]}',
      /:2: codes\.0:/,
    ],
    [
      'an unknown facet',
      '{"turns":["a"],"behavior":"answer","codes":["1.001193"],"facets":["price"]}',
      /facets\.0/,
    ],
    [
      'no turns',
      '{"turns":[],"behavior":"apologize","codes":[],"facets":[]}',
      /turns: expected at least one/,
    ],
    [
      'codes on an apology',
      '{"turns":["a"],"behavior":"apologize","codes":["1.001193"],"facets":[]}',
      /no codes/,
    ],
    [
      'a clarify line with one code',
      '{"turns":["a"],"behavior":"clarify","codes":["1.001193"],"facets":[]}',
      /two codes/,
    ],
    ['an unknown field', '{"turns":["a"],"behavior":"answer","codes":["1.001193"],"facets":[],"x":1}', /x/],
  ])('rejects %s with the file and line', (_what, bad, message) => {
    const file = writeJsonl(['{"turns":["xin chào"],"behavior":"apologize","codes":[],"facets":[]}', bad]);
    expect(() => readConversations(file)).toThrow(message);
  });
});

describe('#chatReplyFromBody', () => {
  it('reads the procedure fields of /api/chat', () => {
    const reply = chatReplyFromBody({
      replies: [
        { type: 'text', text: 'Đăng ký khai sinh' },
        { type: 'link', label: 'Trang thủ tục', url: 'https://dichvucong.gov.vn/x' },
      ],
      procedure: { code: '1.001193', title: 'Đăng ký khai sinh' },
      options: [{ code: '1.004884', title: 'Đăng ký lại khai sinh' }],
      facets: ['documents'],
    });
    expect(reply).toEqual({
      text: 'Đăng ký khai sinh\nTrang thủ tục',
      procedure: { code: '1.001193', title: 'Đăng ký khai sinh' },
      options: [{ code: '1.004884', title: 'Đăng ký lại khai sinh' }],
      facets: ['documents'],
    });
  });

  it('reads a response without them as no procedure, no options, no facets', () => {
    expect(chatReplyFromBody({ replies: [{ type: 'text', text: 'Xin chào' }], intent: 'greeting' })).toEqual({
      text: 'Xin chào',
      procedure: null,
      options: [],
      facets: [],
    });
  });
});

describe('#evaluateConversations', () => {
  const conv = (c: Omit<Conversation, 'line'>, line: number): Conversation => ({ ...c, line });
  const conversations: Conversation[] = [
    conv({ turns: ['khai sinh cần gì'], behavior: 'answer', codes: ['1.001193'], facets: ['documents'] }, 1),
    conv({ turns: ['kết hôn', 'mất bao lâu'], behavior: 'answer', codes: ['1.000894'], facets: ['time'] }, 2),
    conv(
      { turns: ['giấy phép xây dựng'], behavior: 'clarify', codes: ['1.013225', '1.013227'], facets: [] },
      3,
    ),
    conv({ turns: ['giá vàng'], behavior: 'apologize', codes: [], facets: [] }, 4),
    conv({ turns: ['trời mưa'], behavior: 'apologize', codes: [], facets: [] }, 5),
    conv({ turns: ['hộ nghèo'], behavior: 'clarify', codes: ['1.011606', '1.011607'], facets: [] }, 6),
    conv({ turns: ['làm căn cước'], behavior: 'clarify', codes: ['1.014061', '1.014062'], facets: [] }, 7),
  ];
  const p = (code: string) => ({ code, title: `thủ tục ${code}` });
  const replies: Record<string, ChatReply> = {
    'khai sinh cần gì': {
      text: 'Hồ sơ gồm tờ khai.',
      procedure: p('1.001193'),
      options: [],
      facets: ['documents'],
    },
    'kết hôn': { text: 'Đăng ký kết hôn.', procedure: p('1.000894'), options: [], facets: [] },
    // The follow-up lost the procedure, but offers it second: a top-5 hit, a top-1 miss.
    'mất bao lâu': {
      text: 'Thời hạn 15 ngày làm việc.',
      procedure: p('1.004873'),
      options: [p('1.000894')],
      facets: ['time'],
    },
    'giấy phép xây dựng': {
      text: 'Bạn hỏi thủ tục nào?',
      procedure: null,
      options: [p('1.013225'), p('1.013227'), p('1.013228')],
      facets: [],
    },
    'giá vàng': { text: 'Xin lỗi, tôi chưa hiểu.', procedure: null, options: [], facets: [] },
    'trời mưa': { text: 'Lệ phí 50.000 đồng.', procedure: null, options: [p('1.001193')], facets: [] },
    // Answers the likelier one and offers its sibling: clarified.
    'hộ nghèo': {
      text: 'Công nhận hộ nghèo.',
      procedure: p('1.011606'),
      options: [p('1.011607')],
      facets: [],
    },
    // Answers one and offers none of the family: not clarified.
    'làm căn cước': { text: 'Cấp thẻ căn cước.', procedure: p('1.014061'), options: [], facets: [] },
  };
  const seen: [string, string][] = [];
  const chat = async (userId: string, text: string) => {
    seen.push([userId, text]);
    return replies[text];
  };
  const sources = (code: string | null) =>
    new QuantitySources(code === '1.004873' ? ['Thời hạn giải quyết: 03 ngày làm việc'] : []);
  let clock = 0;
  const evaluation = evaluateConversations(conversations, chat, sources, {
    userId: (i) => `citizen-${i}`,
    now: () => (clock += 2),
  });

  it('plays each conversation turn by turn as its own citizen', async () => {
    await evaluation;
    expect(seen).toEqual([
      ['citizen-0', 'khai sinh cần gì'],
      ['citizen-1', 'kết hôn'],
      ['citizen-1', 'mất bao lâu'],
      ['citizen-2', 'giấy phép xây dựng'],
      ['citizen-3', 'giá vàng'],
      ['citizen-4', 'trời mưa'],
      ['citizen-5', 'hộ nghèo'],
      ['citizen-6', 'làm căn cước'],
    ]);
  });

  it('judges the reply to the last turn', async () => {
    const e = await evaluation;
    expect(e.top1).toEqual({ hits: 1, total: 2, rate: 0.5 });
    expect(e.top5).toEqual({ hits: 2, total: 2, rate: 1 });
    expect(e.clarify).toEqual({ hits: 2, total: 3, rate: 2 / 3 });
    expect(e.refusal).toEqual({ hits: 1, total: 2, rate: 0.5 });
    expect(e.facets).toEqual({ hits: 2, total: 2, rate: 1 });
    expect(e.facetsWhenRight).toEqual({ hits: 1, total: 1, rate: 1 });
    expect(e.turns).toBe(8);
    expect(e.latencyMs.p50).toBe(2);
  });

  it('reports every number that its sources do not state, with the conversation', async () => {
    const e = await evaluation;
    expect(e.invented.map((n) => [n.line, n.turn, n.procedure, n.quantity.raw])).toEqual([
      [2, 2, '1.004873', '15 ngày làm việc'],
      [5, 1, null, '50.000 đồng'],
    ]);
  });

  it('prints the figures, and each miss with --verbose', async () => {
    const text = formatProcedureEvaluation(await evaluation, true);
    expect(text).toContain('top-1 (answer lines):           50.0% (1/2)');
    expect(text).toContain('invented numbers:               2');
    expect(text).toMatch(/line 2 \[answer\] "kết hôn" → "mất bao lâu"\n {4}expected one of 1\.000894/);
    expect(text).toMatch(/line 5 \[apologize\] "trời mưa"\n {4}expected no procedure/);
  });
});
