/**
 * A citizen's dialogue session and flood window when they live in the shared store
 * (DATABASE_URL: several instances, so the next message may reach another one). The steps
 * and the engine stay synchronous: what a turn reads is loaded before it (`load`), and what
 * it changed is stored after it (`save`). One citizen's turns never overlap on the platform
 * channels (the shared inbox claims only a citizen's oldest open event).
 */
import type { FloodVerdict } from '../core/flood-window';
import type { SessionState, Sessions } from '../store/sessions';
import type { Store } from '../store/store';

export class SharedTurnState {
  private readonly loaded = new Map<
    string,
    { session: SessionState; changed: boolean; verdict: FloodVerdict }
  >();

  constructor(private readonly store: Pick<Store, 'sessions' | 'flood'>) {}

  /** The session steps read during a turn: the one `load` fetched. */
  readonly sessions: Sessions = {
    get: (userKey) => this.entry(userKey).session,
    set: (userKey, state) => {
      const entry = this.entry(userKey);
      entry.session = state;
      entry.changed = true;
    },
  };

  /** The flood step's verdict: counted once, across instances, by `load`. */
  readonly flood = { check: (userKey: string): FloodVerdict => this.entry(userKey).verdict };

  /** Fetches the session and counts the message in the shared flood window. */
  async load(userKey: string): Promise<void> {
    const [session, verdict] = await Promise.all([
      this.store.sessions.get(userKey),
      this.store.flood.check(userKey),
    ]);
    this.loaded.set(userKey, { session, changed: false, verdict });
  }

  /** Stores the session if the turn changed it; forgets what `load` fetched either way. */
  async save(userKey: string): Promise<void> {
    const entry = this.loaded.get(userKey);
    this.loaded.delete(userKey);
    if (entry?.changed) await this.store.sessions.set(userKey, entry.session);
  }

  /** Forgets what `load` fetched without storing it (the turn's result was not kept). */
  discard(userKey: string): void {
    this.loaded.delete(userKey);
  }

  private entry(userKey: string) {
    const entry = this.loaded.get(userKey);
    // A bug, not bad input: a turn on the shared store must be prepared first.
    if (!entry) throw new Error('shared turn state not loaded: call runtime.prepare(message) before respond');
    return entry;
  }
}
