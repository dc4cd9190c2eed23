/**
 * Officer accounts in the shared store (`engine.ts`), so an officer added on one instance
 * can sign in on any. Validation and password hashing are src/admin/officers.ts's.
 */
import type { Engine } from './engine';

export type OfficerRole = 'admin' | 'officer';

export interface OfficerAccount {
  id: number;
  username: string;
  name: string;
  role: OfficerRole;
}

export class OfficerStore {
  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<OfficerAccount[]> {
    return this.engine.db
      .selectFrom('officers')
      .select(['id', 'username', 'name', 'role'])
      .orderBy('name')
      .execute();
  }

  async get(id: number): Promise<OfficerAccount | undefined> {
    return this.engine.db
      .selectFrom('officers')
      .select(['id', 'username', 'name', 'role'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The account and its password hash, by (already lower-cased) user name. */
  async byUsername(username: string): Promise<(OfficerAccount & { password_hash: string }) | undefined> {
    return this.engine.db
      .selectFrom('officers')
      .select(['id', 'username', 'name', 'role', 'password_hash'])
      .where('username', '=', username)
      .executeTakeFirst();
  }

  /**
   * Adds an account; returns its id, or null when the user name is taken (checked by the
   * table's unique key, so two instances adding the same name at once add it once).
   */
  async add(
    account: Omit<OfficerAccount, 'id'>,
    passwordHash: string,
    createdBy: string,
  ): Promise<number | null> {
    const row = await this.engine.db
      .insertInto('officers')
      .values({
        ...account,
        password_hash: passwordHash,
        created_at: this.now(),
        created_by: createdBy,
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /** True when the account exists (and so its password changed). */
  async setPasswordHash(id: number, passwordHash: string): Promise<boolean> {
    const result = await this.engine.db
      .updateTable('officers')
      .set({ password_hash: passwordHash })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
