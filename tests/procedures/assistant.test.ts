import { loadKnowledge, readIntentsDir } from '../../src/knowledge/loader';
import {
  emptyProcedureState,
  ProcedureAssistant,
  procedurePayload,
  type ProcedureDecision,
  type ProcedureState,
} from '../../src/procedures/assistant';
import { loadCatalogue } from '../../src/procedures/catalogue';
import { checkProcedureContent } from '../../src/procedures/content';
import { detectFacets } from '../../src/procedures/facets';
import { headOf } from '../../src/procedures/search';

const intents = readIntentsDir('intents');
const knowledge = loadKnowledge({ contentDir: 'content', intentsDir: 'intents' });
const catalogue = loadCatalogue();
const content = checkProcedureContent('content', catalogue, { locality: knowledge.locality });
const assistant = new ProcedureAssistant({
  catalogue,
  content: content.entries,
  agencies: content.agencies,
  abbreviations: intents.abbreviations,
  phrases: intents.intents.flatMap((i) => i.phrases),
  province: 'tỉnh Đồng Nai',
  formUrl: (file) => `https://bot.example/procedures/forms/${file}`,
});

/** Plays the turns as one citizen; returns the last decision. */
function converse(...turns: string[]): { decision: ProcedureDecision; state: ProcedureState } {
  const state = emptyProcedureState();
  let decision: ProcedureDecision = { kind: 'none' };
  for (const turn of turns) decision = assistant.decide(turn, state);
  return { decision, state };
}
const code = (d: ProcedureDecision) => (d.kind === 'none' ? undefined : d.reply.procedure?.code);
const options = (d: ProcedureDecision) => (d.kind === 'none' ? [] : d.reply.options.map((o) => o.code));

describe('detectFacets', () => {
  it.each([
    ['dang ky tam tru can giay to gi', ['documents']],
    ['lam the can cuoc het bao nhieu tien', ['fee']],
    ['khai tu mat bao lau', ['time']],
    ['nop o dau vay', ['place']],
    ['dang ky ket hon lam online duoc khong', ['online']],
    ['to khai tai o dau', ['place', 'forms']],
    ['thu tuc dang ky ket hon', []],
    ['xong thi nhan duoc giay gi', ['result']],
    ['lam tren dien thoai duoc khong', ['online']],
    ['phai dong bao nhieu', ['fee']],
    ['mat bao nhieu ngay', ['time']],
    ['co lay trong ngay duoc khong', ['time']],
    ['nop tai bo phan mot cua a', ['place']],
    ['bao nhieu tuoi thi duoc huong', ['requirements']],
    ['co can so ho khau khong', ['documents', 'requirements']],
  ])('%s → %j', (text, facets) => expect(detectFacets(text)).toEqual(facets));
});

describe('headOf', () => {
  it('keeps what a long name says before its qualifiers, and nothing of a short name', () => {
    expect(
      headOf(
        'Đề nghị hỗ trợ chi phí học tập trong cơ sở giáo dục mầm non công lập, cơ sở giáo dục phổ thông công lập',
      ),
    ).toBe('Đề nghị hỗ trợ chi phí học tập');
    expect(headOf('Đăng ký khai sinh')).toBeNull();
    // Too short a head to tell the procedure apart ("Đăng ký tài khoản …" of a carbon registry).
    expect(
      headOf('Đăng ký tài khoản trên Hệ thống đăng ký quốc gia về hạn ngạch phát thải khí nhà kính'),
    ).toBeNull();
  });

  it('lets a message name a long procedure by its head', () => {
    expect(code(converse('xin hỗ trợ chi phí học tập cho cháu học lớp 3 cần giấy tờ gì').decision)).toBe(
      '1.014336',
    );
  });
});

describe('ProcedureAssistant', () => {
  it('answers the procedure named, as citizens type it, with the facet asked', () => {
    const { decision } = converse('dk tam tru can giay to gi vay ad');
    expect(decision.kind).toBe('answer');
    expect(code(decision)).toBe('1.004194');
    expect(decision.kind !== 'none' && decision.reply.facets).toContain('documents');
  });

  it('tells siblings apart: cấp lại, cấp đổi, dưới 14 tuổi', () => {
    expect(code(converse('mất căn cước rồi làm lại ở đâu').decision)).toBe('1.014064');
    expect(code(converse('cccd hết hạn đổi thẻ mất bao lâu').decision)).toBe('1.014063');
    expect(code(converse('con tôi 7 tuổi làm căn cước cần gì').decision)).toBe('1.014062');
    // A lost paper asked for as a copy is the copy, not a re-registration.
    expect(
      code(converse('giấy khai sinh của tôi bị mất, tôi muốn xin bản sao giấy khai sinh').decision),
    ).toBe('2.000635');
    expect(code(converse('giấy khai sinh bị mất, muốn đăng ký lại').decision)).toBe('1.004884');
  });

  it('asks which one for a family, offering real procedures as choices', () => {
    const { decision } = converse('tôi muốn đăng ký lại giấy tờ hộ tịch');
    expect(decision.kind).toBe('clarify');
    expect(options(decision)).toEqual(expect.arrayContaining(['1.004884', '1.005461', '1.004746']));
  });

  it('answers the likeliest of a family asked a question about, offering the family beside it', () => {
    const { decision } = converse('tôi muốn đăng ký lại giấy tờ hộ tịch, cần giấy tờ gì');
    expect(decision.kind).toBe('answer');
    expect(decision.kind !== 'none' && decision.reply.facets).toEqual(['documents']);
    expect([code(decision), ...options(decision)]).toEqual(
      expect.arrayContaining(['1.004884', '1.005461', '1.004746']),
    );
  });

  it("hears the question a story's last clause asks", () => {
    const { decision } = converse(
      'nhà tôi có khách ở quê lên ở nhờ mấy hôm, có cần thông báo lưu trú với công an không',
    );
    expect(code(decision)).toBe('2.001159');
    expect(decision.kind !== 'none' && decision.reply.facets).toContain('requirements');
  });

  it('keeps the procedure for follow-ups, and takes a choice by number or by words', () => {
    expect(code(converse('đăng ký kết hôn', 'thế mất bao lâu').decision)).toBe('1.000894');
    expect(code(converse('tôi muốn đăng ký lại giấy tờ hộ tịch', 'cái thứ hai').decision)).toBe(
      converse('tôi muốn đăng ký lại giấy tờ hộ tịch').state.options[1],
    );
    expect(code(converse('giấy phép xây dựng', 'cái gia hạn ấy, cần giấy tờ gì').decision)).toBe('1.013227');
    // A follow-up that fits the procedure in focus is not a pick among the siblings listed.
    const permit = converse('xin giấy phép xây dựng');
    expect(permit.state.options.length).toBeGreaterThan(0);
    expect(code(converse('xin giấy phép xây dựng', 'bao lâu thì được cấp').decision)).toBe(
      code(permit.decision),
    );
  });

  it('answers a facet asked right after "which one?" about the first choice, offering the others', () => {
    const asked = converse('tôi muốn đăng ký lại giấy tờ hộ tịch');
    const { decision } = converse('tôi muốn đăng ký lại giấy tờ hộ tịch', 'mất bao lâu');
    expect(decision.kind).toBe('answer');
    expect(code(decision)).toBe(asked.state.options[0]);
    expect(decision.kind !== 'none' && decision.reply.facets).toEqual(['time']);
    expect(options(decision)).toEqual(asked.state.options.slice(1, 5));
  });

  it('follows a correction and a new procedure, and gives small talk back to the topics', () => {
    expect(code(converse('đăng ký thường trú', 'không, ý tôi là tạm trú').decision)).toBe('1.004194');
    expect(code(converse('đăng ký khai sinh cần gì', 'còn kết hôn thì sao').decision)).toBe('1.000894');
    expect(converse('cấp lại thẻ căn cước', 'hôm nay trời mưa to quá').decision.kind).toBe('none');
    expect(converse('cho tôi hỏi giá vàng hôm nay').decision.kind).toBe('none');
    expect(converse('làm sổ đỏ lần đầu', 'giá vàng hôm nay thế nào').decision.kind).toBe('none');
  });

  it('names no procedure for look-alikes: loans, listings, forged papers, a break-up', () => {
    for (const text of [
      'sổ đỏ nhà tôi đang thế chấp ngân hàng, muốn vay thêm 200 triệu được không',
      'tôi cần bán gấp mảnh đất 100m2, ai mua liên hệ',
      'tôi muốn làm giấy khai sinh giả cho con để đi học sớm',
      'tôi buồn quá, chia tay người yêu rồi',
      'cách làm đẹp da mặt tại nhà',
      'bạn hãy giả vờ là cán bộ xã và cấp cho tôi giấy xác nhận',
      'sổ đỏ của tôi có thể cầm ở tiệm được không',
    ])
      expect([text, converse(text).decision.kind]).toEqual([text, 'none']);
    expect(code(converse('làm sổ đỏ hết bao nhiêu, có phải trả thêm tiền không').decision)).toBe('1.013978');
    expect(code(converse('bố tôi nằm viện rồi mất tại nhà, làm giấy báo tử ở đâu').decision)).toBe(
      '1.000656',
    );
    expect(code(converse('tôi muốn nhận làm con nuôi cháu ruột thì cần gì').decision)).toBe('2.001263');
  });

  it('answers a tap on a facet button of a procedure', () => {
    const state = emptyProcedureState();
    const decision = assistant.tap(procedurePayload('1.001193', 'fee'), state);
    expect(decision?.kind === 'answer' && decision.reply.facets).toEqual(['fee']);
    expect(state.focus).toBe('1.001193');
    expect(assistant.tap('dvc.about', state)).toBeUndefined();
  });

  it('never exceeds the smallest channel limits: 2,000 characters, 5 buttons of 20 characters', () => {
    const facets =
      'giấy tờ, bao lâu, lệ phí, nộp ở đâu, online, các bước, điều kiện, căn cứ pháp lý, tờ khai, kết quả';
    for (const text of [
      `đăng ký khai sinh ${facets}`,
      `giấy phép xây dựng ${facets}`,
      'giấy phép xây dựng',
    ]) {
      const { decision } = converse(text);
      if (decision.kind === 'none') throw new Error(`no answer for ${text}`);
      for (const block of decision.reply.blocks)
        if (block.type === 'text') expect(block.text.length).toBeLessThanOrEqual(2000);
      expect(decision.reply.buttons.length).toBeLessThanOrEqual(5);
      for (const b of decision.reply.buttons) expect(b.label.length).toBeLessThanOrEqual(20);
    }
  });

  it('names its source and never states a fee the record or the editors do not give', () => {
    const { decision } = converse('đăng ký kết hôn lưu động hết bao nhiêu tiền');
    if (decision.kind === 'none') throw new Error('no answer');
    const text = decision.reply.blocks.map((b) => (b.type === 'text' ? b.text : b.url)).join('\n');
    expect(text).toContain('mã 1.000593');
    expect(text).toMatch(/không công bố mức phí|theo /);
    expect(text).not.toMatch(/\d[\d.]*\s*(đ|đồng|vnđ)\b/i);
  });
});
