import fs from 'node:fs';
import path from 'node:path';
import { trainClassifier, type TrainingData } from '../../src/nlu/classifier';
import { evaluate, readLabelled, type LabelledMessage } from '../../src/nlu/evaluate';
import { cleanText, foldAccents } from '../../src/nlu/normalise';
import { readTrainingData } from '../../src/nlu/training-data';
import { nfd, telex, teencode, withoutDiacritics } from './variants';

const ROOT = path.resolve(__dirname, '../..');
const HELDOUT = path.join(ROOT, 'tests/fixtures/nlu/heldout.jsonl');
/** The shared evaluation sample; CI clones the repository with shared/ beside it. */
const DEV = path.resolve(ROOT, '../shared/eval/dev.jsonl');
const CONTRACT = path.resolve(ROOT, '../shared/eval/README.md');

const data = readTrainingData(path.join(ROOT, 'intents'));
const classifier = trainClassifier(data, { threshold: 0.5 });
const classify = (text: string) => classifier.classify(text);
const key = (text: string) => foldAccents(cleanText(text));

const heldout = readLabelled(HELDOUT);
const dev = readLabelled(DEV);

describe('training data', () => {
  it('has at least 25 phrases for every intent id of the contract, and no extra intent', () => {
    const ids = [...fs.readFileSync(CONTRACT, 'utf8').matchAll(/^\| `([a-z0-9_.]+)` \|/gm)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThanOrEqual(32);
    const counts = new Map(data.intents.map((i) => [i.id, i.phrases.length]));
    for (const id of ids) expect([id, counts.get(id) ?? 0]).toEqual([id, expect.any(Number)]);
    expect(ids.filter((id) => (counts.get(id) ?? 0) < 25)).toEqual([]);
    expect([...counts.keys()].filter((id) => !ids.includes(id))).toEqual([]);
  });

  it('keeps every phrase under one intent only, compared without case and accents', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const intent of data.intents)
      for (const phrase of intent.phrases) {
        const k = key(phrase);
        const other = owner.get(k);
        if (other && other !== intent.id) clashes.push(`${phrase}: ${other} / ${intent.id}`);
        owner.set(k, intent.id);
      }
    for (const phrase of data.outOfScope) if (owner.has(key(phrase))) clashes.push(`${phrase}: out of scope`);
    expect(clashes).toEqual([]);
  });

  it('never trains on a held-out or dev.jsonl message', () => {
    const trained = new Set([...data.intents.flatMap((i) => i.phrases), ...data.outOfScope].map(key));
    const leaked = [...heldout, ...dev].filter((m) => trained.has(key(m.text))).map((m) => m.text);
    expect(leaked).toEqual([]);
  });

  it('holds at least 5 held-out messages per intent and some out-of-scope ones', () => {
    const counts = new Map<string | null, number>();
    for (const m of heldout) counts.set(m.intent, (counts.get(m.intent) ?? 0) + 1);
    for (const intent of data.intents)
      expect([intent.id, (counts.get(intent.id) ?? 0) >= 5]).toEqual([intent.id, true]);
    expect(counts.get(null) ?? 0).toBeGreaterThanOrEqual(20);
  });
});

describe('accuracy', () => {
  it.each([
    ['held-out', heldout],
    ['dev.jsonl', dev],
  ])('%s: in-scope top-1 ≥ 95%% and out-of-scope rejection ≥ 90%%', (_name, messages) => {
    const e = evaluate(classify, messages as LabelledMessage[]);
    expect(e.inScope).toBeGreaterThan(0);
    expect(e.outOfScope).toBeGreaterThan(0);
    expect({ accuracy: e.inScopeAccuracy, misclassified: e.misclassified }).toEqual({
      accuracy: expect.any(Number),
      misclassified: expect.any(Array),
    });
    expect(e.inScopeAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(e.outOfScopeRejection).toBeGreaterThanOrEqual(0.9);
  });

  const base = evaluate(classify, heldout);
  it.each([
    ['without diacritics', withoutDiacritics],
    ['NFD', nfd],
    ['teencode', teencode],
    ['Telex leftovers', telex],
  ])('held-out %s scores within 3 points of the original', (_name, variant) => {
    const changed = heldout.map((m) => ({ ...m, text: variant(m.text) }));
    // The generator must really change messages, or the test proves nothing.
    expect(changed.filter((m, i) => m.text !== heldout[i].text).length).toBeGreaterThan(0);
    const e = evaluate(classify, changed);
    expect(e.inScopeAccuracy).toBeGreaterThanOrEqual(base.inScopeAccuracy - 0.03);
    expect(e.outOfScopeRejection).toBeGreaterThanOrEqual(base.outOfScopeRejection - 0.03);
  });

  it('gives NFD and NFC input exactly the same result', () => {
    for (const m of [...heldout, ...dev]) {
      const a = classify(m.text);
      const b = classify(m.text.normalize('NFD'));
      expect([m.text, b.intent, b.confidence]).toEqual([m.text, a.intent, a.confidence]);
    }
  });
});

describe('trainClassifier', () => {
  const tiny: TrainingData = {
    intents: [
      { id: 'proc.id_card', phrases: ['làm căn cước', 'cấp lại căn cước', 'đổi cccd'], file: 'a.yaml' },
      { id: 'proc.land', phrases: ['làm sổ đỏ', 'sang tên sổ đỏ', 'chuyển nhượng đất'], file: 'b.yaml' },
    ],
    outOfScope: ['giá vàng hôm nay', 'thời tiết ngày mai'],
    abbreviations: { cccd: 'căn cước công dân' },
  };

  it('routes a message to the intent it is about, with a confidence in 0–1', () => {
    const c = trainClassifier(tiny, { threshold: 0.5 });
    const r = c.classify('lam can cuoc o dau');
    expect(r.intent).toBe('proc.id_card');
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.confidence).toBeLessThanOrEqual(1);
    expect(c.classify('SANG TÊN SỔ ĐỎ!!!').intent).toBe('proc.land');
  });

  it('refuses a message closest to the out-of-scope examples', () => {
    expect(trainClassifier(tiny, { threshold: 0.3 }).classify('gia vang').intent).toBeNull();
  });

  it('refuses a message with no known word, with confidence 0', () => {
    const r = trainClassifier(tiny, { threshold: 0.3 }).classify('🙏🙏 ???');
    expect(r).toMatchObject({ intent: null, confidence: 0 });
  });

  it('refuses below the threshold and reports the best intent probability', () => {
    const strict = trainClassifier(tiny, { threshold: 0.999 }).classify('làm căn cước');
    expect(strict.intent).toBeNull();
    expect(strict.confidence).toBeGreaterThan(0.5);
  });

  it('refuses when the runner-up is within the margin', () => {
    const c = trainClassifier(tiny, { threshold: 0, margin: 0.99 });
    expect(c.classify('làm căn cước').intent).toBeNull();
  });

  it('is deterministic: the same data gives the same scores', () => {
    const a = trainClassifier(data, { threshold: 0.5 });
    for (const m of heldout.slice(0, 40)) expect(a.classify(m.text)).toEqual(classify(m.text));
  });

  it('learns a phrase added on reload', () => {
    const before = trainClassifier(tiny, { threshold: 0.5 }).classify('xin giấy phép xây nhà');
    const more: TrainingData = {
      ...tiny,
      intents: [
        ...tiny.intents,
        { id: 'proc.construction', phrases: ['giấy phép xây dựng', 'xin phép xây nhà'], file: 'c.yaml' },
      ],
    };
    expect(before.intent).not.toBe('proc.construction');
    expect(trainClassifier(more, { threshold: 0.5 }).classify('xin giấy phép xây nhà').intent).toBe(
      'proc.construction',
    );
  });
});
