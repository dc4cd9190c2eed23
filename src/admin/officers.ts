/**
 * Officer accounts for the dashboard. ADMIN_PASSWORD remains the built-in admin (user name
 * "admin", or none); an admin adds officers, each with a password of their own (hashed with
 * scrypt, src/admin/password.ts). Every reply and status change in the inbox records the
 * officer who made it.
 */
import { withoutNul } from '../core/message';
import type { OfficerAccount, OfficerRole, OfficerStore } from '../store/shared-officers';
import { hashPassword, MIN_OFFICER_PASSWORD, verifyPassword } from './password';

export type { OfficerRole };

/** An account that can sign in: an officer's, or the built-in admin (id 0). */
export type Officer = OfficerAccount;

export const BUILT_IN_ADMIN: Officer = { id: 0, username: 'admin', name: 'Quản trị viên', role: 'admin' };

const USERNAME = /^[a-z0-9._-]{2,32}$/;

/** A bad account form: the message says which field and what to write, in Vietnamese. */
export class OfficerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfficerInputError';
  }
}

/** Accounts in the shared store (`OfficerStore`): one added on any instance signs in on all. */
export class Officers {
  constructor(private readonly store: OfficerStore) {}

  list(): Promise<Officer[]> {
    return this.store.list();
  }

  async get(id: number): Promise<Officer | undefined> {
    if (id === BUILT_IN_ADMIN.id) return BUILT_IN_ADMIN;
    return this.store.get(id);
  }

  async add(
    input: { username: string; name: string; password: string; role: OfficerRole },
    by: Officer,
  ): Promise<Officer> {
    const username = input.username.trim().toLowerCase();
    // Without U+0000 (PostgreSQL's text columns refuse it), as every typed text the store keeps.
    const name = withoutNul(input.name).trim();
    if (!USERNAME.test(username) || username === BUILT_IN_ADMIN.username)
      throw new OfficerInputError(
        'Tên đăng nhập: 2–32 ký tự gồm chữ thường không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới (không dùng "admin").',
      );
    if (name.length < 2 || name.length > 60) throw new OfficerInputError('Họ tên: từ 2 đến 60 ký tự.');
    this.checkPassword(input.password);
    const taken = () => new OfficerInputError(`Tên đăng nhập "${username}" đã có.`);
    if (await this.store.byUsername(username)) throw taken();
    const account = { username, name, role: input.role };
    const id = await this.store.add(account, hashPassword(input.password), by.username);
    if (id === null) throw taken(); // added meanwhile (another instance)
    return { id, ...account };
  }

  async setPassword(id: number, password: string): Promise<boolean> {
    this.checkPassword(password);
    return this.store.setPasswordHash(id, hashPassword(password));
  }

  /** The account for a user name and password, or null (unknown name and wrong password alike). */
  async verify(username: string, password: string): Promise<Officer | null> {
    const name = username.trim().toLowerCase();
    // No account's name holds U+0000 (USERNAME), and PostgreSQL would refuse the lookup (a 500).
    const row = name.includes('\u0000') ? undefined : await this.store.byUsername(name);
    // Hash even for an unknown name, so the answer takes as long either way.
    const ok = await verifyPassword(password, row?.password_hash ?? UNKNOWN_USER_HASH);
    if (!row || !ok) return null;
    return { id: row.id, username: row.username, name: row.name, role: row.role };
  }

  private checkPassword(password: string) {
    if (password.length < MIN_OFFICER_PASSWORD || password.length > 200)
      throw new OfficerInputError(`Mật khẩu: ít nhất ${MIN_OFFICER_PASSWORD} ký tự.`);
  }
}

const UNKNOWN_USER_HASH = hashPassword('unknown user: this hash never matches a real login');
