/** The little of NLP.js that bench-nlu.ts uses (the packages ship no types). */
declare module '@nlpjs/core' {
  export function containerBootstrap(): Promise<unknown>;
}
declare module '@nlpjs/nlp' {
  export class Nlp {
    constructor(settings: Record<string, unknown>);
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<unknown>;
    process(locale: string, utterance: string): Promise<unknown>;
  }
}
