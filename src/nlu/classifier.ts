/**
 * The intent classifier: a multinomial logistic regression over sparse features (folded
 * syllable uni/bigrams, character trigrams, accented syllables), trained by SGD at start-up
 * and on every content reload. Out-of-scope examples form their own class, and the softmax
 * probability is the confidence: a message is refused (`intent: null`) when the out-of-scope
 * class wins, when the best intent is below the threshold, or when the runner-up is within
 * the margin.
 *
 * Why not `natural` or NLP.js: natural's classifiers build dense vectors and its logistic
 * regression takes minutes for 100 intents; NLP.js has no Vietnamese tokenizer, folds no
 * đ, and scores lower on our held-out set, mostly on out-of-scope messages (`npm run
 * bench:nlu` prints both side by side).
 */
import { extractFeatures, type FeatureVector } from './features';
import type { Abbreviations } from './intents-schema';
import { Normaliser, respellings, type NormalisedText } from './normalise';

export interface Classification {
  /** null: the bot answers with its fallback. */
  intent: string | null;
  /** Probability of the best in-scope intent (0–1), also when it was refused. */
  confidence: number;
  normalised: NormalisedText;
}

export interface IntentClassifier {
  classify(text: string): Classification;
}

export interface ClassifierOptions {
  /** Below this probability the message is out of scope (config NLU_THRESHOLD). */
  threshold: number;
  /** The best intent must beat the runner-up (another intent or out-of-scope) by this much; default 0.05. */
  margin?: number;
  /** Passes over the training data; default 12. */
  epochs?: number;
}

/** What the classifier learns from (a Knowledge snapshot has these and more). */
export interface TrainingData {
  /** `file`: where the phrases were read, for messages. */
  intents: { id: string; phrases: string[]; file?: string }[];
  outOfScope: string[];
  abbreviations: Abbreviations;
}

/** The class id of out-of-scope examples inside the model. */
const OUT_OF_SCOPE = '__out_of_scope__';
/** Smaller gradients are skipped: with many classes most are near 0 and cost the most time. */
const MIN_GRADIENT = 1e-3;
const DEFAULTS = { margin: 0.05, epochs: 12, learningRate: 1.5, l2: 1e-5 };
/** Examples (or phrases) handled between two points where training may pause. */
const STEP_EXAMPLES = 64;

/** Sparse features as parallel typed arrays: ids into the weight matrix and their values. */
interface Sparse {
  ids: Int32Array;
  values: Float32Array;
}
interface Example extends Sparse {
  label: number;
}

/** A small deterministic PRNG so training (and therefore every score) is reproducible. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Softmax of the first `n` scores, in place. */
function softmaxInPlace(scores: Float64Array, n: number) {
  let max = -Infinity;
  for (let c = 0; c < n; c++) if (scores[c] > max) max = scores[c];
  let sum = 0;
  for (let c = 0; c < n; c++) {
    scores[c] = Math.exp(scores[c] - max);
    sum += scores[c];
  }
  for (let c = 0; c < n; c++) scores[c] /= sum;
}

/**
 * What no folded Vietnamese word has but Telex/VNI/teencode leftovers do: w, dd, aa/ee/oo, a
 * tone key at the end, a digit, or an initial j/f/z or k before a/o/u.
 */
const LEFTOVER_SHAPE = /w|dd|([aeo])\1|[sfrxj]$|\d|^[fjz]|^k[aou]/;

/**
 * The vocabulary repair may map unknown words onto: folded training words and their counts.
 * Training phrases written the way citizens type carry Telex/teencode leftovers too ("lamf",
 * "wen"). A word of that shape whose respelling is a far more frequent training word is such
 * a leftover, not a word of its own: it is left out, so it is repaired like any unknown word
 * (in training and in messages) instead of becoming a rare feature that blocks the repair.
 * Loanwords keep their place ("test" is not "tết", "gas" is not "ga").
 */
function* buildVocabulary(data: TrainingData): Generator<void, Map<string, number>> {
  const plain = new Normaliser(data.abbreviations);
  const counts = new Map<string, number>();
  const phrases = [...data.intents.flatMap((i) => i.phrases), ...data.outOfScope];
  for (const [i, phrase] of phrases.entries()) {
    if (i % STEP_EXAMPLES === STEP_EXAMPLES - 1) yield;
    for (const token of plain.normalise(phrase).tokens)
      if (/\p{L}/u.test(token)) counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  const vocabulary = new Map(counts);
  for (const [word, count] of counts)
    if (
      LEFTOVER_SHAPE.test(word) &&
      respellings(word).some((r) => (counts.get(r) ?? 0) >= Math.max(5, 3 * count))
    )
      vocabulary.delete(word);
  return vocabulary;
}

/** Dense weights (feature-major), scored for one message at a time. */
interface Model {
  /** Softmax probabilities of every class for one message, written into `out`. */
  score(features: Sparse, out: Float64Array): Float64Array;
}

/**
 * Classes with at least this probability for an example at its last full scoring are its
 * competitors; after the full epochs only they and the true class are scored (the softmax
 * over that subset: the other classes' mass was below MIN_GRADIENT each) and updated.
 */
const COMPETITOR = MIN_GRADIENT;
/** Epochs that score every class; later ones score each example's competitors only. */
const FULL_EPOCHS = 2;
/**
 * In the first epoch every class is near uniform: a wrong class is only pushed down when it
 * is likelier than half of uniform, so the first pass does not touch every class for every
 * example. Counted in units of 1 / classes.
 */
const FIRST_EPOCH_COMPETITOR = 0.5;

/** Softmax probabilities of every class (bias.length of them) for one message, into `out`. */
function scoreEveryClass(
  weights: Float32Array,
  bias: Float64Array,
  { ids, values }: Sparse,
  out: Float64Array,
): Float64Array {
  const classes = bias.length;
  out.set(bias);
  for (let i = 0; i < ids.length; i++) {
    const row = ids[i] * classes;
    const x = values[i];
    for (let c = 0; c < classes; c++) out[c] += x * weights[row + c];
  }
  softmaxInPlace(out, classes);
  return out;
}

/** The model being fitted and the scratch space of one SGD step. */
interface FitState {
  classes: number;
  l2: number;
  weights: Float32Array;
  bias: Float64Array;
  scores: Float64Array;
  everyClass: Int32Array;
  subset: Int32Array;
  /** Per example: the classes that still competed for it at its last full scoring. */
  competitors: (Int32Array | undefined)[];
}

/**
 * One SGD step on one example: a plain function outside the generator below, so the engine
 * optimises the hot loop on its own.
 */
function learn(
  state: FitState,
  example: Example,
  index: number,
  full: boolean,
  minNegative: number,
  rate: number,
): void {
  const { classes, l2, weights, bias, scores, everyClass, subset, competitors } = state;
  const { label, ids, values } = example;
  let scored: Int32Array;
  let n: number;
  const known = competitors[index];
  if (full || !known) {
    scoreEveryClass(weights, bias, example, scores);
    scored = everyClass;
    n = classes;
    let k = 0;
    for (let c = 0; c < classes; c++) if (c !== label && scores[c] >= COMPETITOR) subset[k++] = c;
    competitors[index] = subset.slice(0, k);
  } else {
    subset[0] = label;
    subset.set(known, 1);
    n = known.length + 1;
    for (let j = 0; j < n; j++) {
      const c = subset[j];
      let s = bias[c];
      for (let i = 0; i < ids.length; i++) s += values[i] * weights[ids[i] * classes + c];
      scores[j] = s;
    }
    softmaxInPlace(scores, n);
    scored = subset;
  }
  for (let j = 0; j < n; j++) {
    const c = scored[j];
    const gradient = scores[j] - (c === label ? 1 : 0);
    // Most classes are already near 0 after a few epochs: skip their negligible update.
    if (c === label ? -gradient < MIN_GRADIENT : gradient < minNegative) continue;
    bias[c] -= rate * gradient * 0.1;
    for (let i = 0; i < ids.length; i++) {
      const k = ids[i] * classes + c;
      weights[k] -= rate * (gradient * values[i] + l2 * weights[k]);
    }
  }
}

/**
 * Multinomial logistic regression by SGD with "class shrinking": after the first two epochs
 * an example is only scored and updated against the few classes that still compete for it
 * (a handful out of hundreds; a class below MIN_GRADIENT gets no update anyway). The cost of
 * an epoch thus falls from examples × features × classes to examples × features ×
 * competitors, which is what makes 300 intents train in seconds; the final model scores
 * every class.
 */
function* fit(
  examples: Example[],
  classes: number,
  features: number,
  { epochs, learningRate, l2 }: { epochs: number; learningRate: number; l2: number },
): Generator<void, Model> {
  const state: FitState = {
    classes,
    l2,
    weights: new Float32Array(features * classes),
    bias: new Float64Array(classes),
    scores: new Float64Array(classes),
    everyClass: Int32Array.from({ length: classes }, (_, c) => c),
    subset: new Int32Array(classes),
    competitors: new Array<Int32Array | undefined>(examples.length),
  };
  const { weights, bias } = state;
  const random = mulberry32(0x7710);
  const order = examples.map((_, i) => i);
  const firstEpochMinNegative = Math.max(MIN_GRADIENT, FIRST_EPOCH_COMPETITOR / classes);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const full = epoch < FULL_EPOCHS;
    const minNegative = epoch === 0 ? firstEpochMinNegative : MIN_GRADIENT;
    for (let position = 0; position < order.length; position++) {
      if (position % STEP_EXAMPLES === STEP_EXAMPLES - 1) yield;
      const index = order[position];
      const rate = learningRate * (1 - (epoch + position / order.length) / epochs) + 0.01;
      learn(state, examples[index], index, full, minNegative, rate);
    }
  }

  return { score: (features, out) => scoreEveryClass(weights, bias, features, out) };
}

/** Trains in one go, blocking: at start-up, in scripts and in tests. */
export function trainClassifier(data: TrainingData, options: ClassifierOptions): IntentClassifier {
  const steps = train(data, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Trains while the server keeps serving: the work runs in slices of about `sliceMs`, and
 * between two slices the event loop answers webhooks and chats (a reload's training takes
 * about a second of CPU; blocking for all of it would hold every reply back that long).
 */
export async function trainClassifierInSlices(
  data: TrainingData,
  options: ClassifierOptions,
  sliceMs = 10,
): Promise<IntentClassifier> {
  const steps = train(data, options);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/** The training itself, pausing (yield) every STEP_EXAMPLES phrases or examples. */
function* train(data: TrainingData, options: ClassifierOptions): Generator<void, IntentClassifier> {
  const { margin, epochs, learningRate, l2 } = { ...DEFAULTS, ...stripUndefined(options) };
  const normaliser = new Normaliser(data.abbreviations, yield* buildVocabulary(data));

  const labels = [...data.intents.map((i) => i.id), OUT_OF_SCOPE];
  const outOfScope = labels.length - 1;
  const featureIds = new Map<string, number>();
  const encode = (v: FeatureVector, grow: boolean): Sparse => {
    const ids: number[] = [];
    const values: number[] = [];
    for (const [name, value] of v) {
      let id = featureIds.get(name);
      if (id === undefined && grow) featureIds.set(name, (id = featureIds.size));
      if (id === undefined) continue;
      ids.push(id);
      values.push(value);
    }
    return { ids: Int32Array.from(ids), values: Float32Array.from(values) };
  };

  const examples: Example[] = [];
  const addPhrase = (phrase: string, label: number) => {
    const n = normaliser.normalise(phrase);
    examples.push({ label, ...encode(extractFeatures(n), true) });
    // Most citizens type without diacritics: learn the folded form on its own too, so the
    // accented features do not carry weight the folded ones then lack.
    if (n.accentedTokens.length > 0)
      examples.push({ label, ...encode(extractFeatures({ ...n, accentedTokens: [] }), true) });
  };
  const labelled = [
    ...data.intents.flatMap((intent, label) => intent.phrases.map((p) => [p, label] as const)),
    ...data.outOfScope.map((p) => [p, outOfScope] as const),
  ];
  for (const [i, [phrase, label]] of labelled.entries()) {
    if (i % STEP_EXAMPLES === STEP_EXAMPLES - 1) yield;
    addPhrase(phrase, label);
  }

  const model = yield* fit(examples, labels.length, featureIds.size, { epochs, learningRate, l2 });
  const scores = new Float64Array(labels.length);

  return {
    classify(text: string): Classification {
      const normalised = normaliser.normalise(text);
      const features = encode(extractFeatures(normalised), false);
      if (features.ids.length === 0) return { intent: null, confidence: 0, normalised };
      const p = model.score(features, scores);
      let best = -1;
      let runnerUp = 0;
      for (let c = 0; c < outOfScope; c++) if (best < 0 || p[c] > p[best]) best = c;
      for (let c = 0; c < p.length; c++) if (c !== best && p[c] > runnerUp) runnerUp = p[c];
      const confidence = Math.round(p[best] * 1000) / 1000;
      const accepted = p[best] >= options.threshold && p[best] - runnerUp >= margin;
      return { intent: accepted ? labels[best] : null, confidence, normalised };
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
