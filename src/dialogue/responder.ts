/**
 * The one path every channel takes from a parsed message to an engine result:
 * pseudonymise the sender, run the engine. Channels differ only in how they deliver.
 */
import { pseudonymize } from '../privacy/pseudonym';
import type { DialogueEngine, EngineResult } from './engine';
import type { IncomingMessage } from './types';

export interface Responded extends EngineResult {
  /** The pseudonymous user id used in sessions and logs. */
  userKey: string;
}

export class Responder {
  constructor(
    private readonly engine: DialogueEngine,
    private readonly pseudonymSecret: string,
  ) {}

  respond(message: IncomingMessage): Responded {
    const userKey = pseudonymize(this.pseudonymSecret, message.channel, message.userId);
    return { ...this.engine.handle(message, userKey), userKey };
  }
}
