/**
 * Officer accounts for the dashboard. ADMIN_PASSWORD remains the built-in admin (user name
 * "admin", or none); an admin adds officers, each with a password of their own (hashed with
 * scrypt, src/admin/password.ts). Every reply and status change in the inbox records the
 * officer who made it.
 */
import type { Db } from '../store/db';
import { hashPassword, MIN_OFFICER_PASSWORD, verifyPassword } from './password';

export type OfficerRole = 'admin' | 'officer';

export interface Officer {
  /** 0 for the built-in admin (ADMIN_PASSWORD). */
  id: number;
  username: string;
  name: string;
  role: OfficerRole;
}

export const BUILT_IN_ADMIN: Officer = { id: 0, username: 'admin', name: 'Quản trị viên', role: 'admin' };

const USERNAME = /^[a-z0-9._-]{2,32}$/;

/** A bad account form: the message says which field and what to write, in Vietnamese. */
export class OfficerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfficerInputError';
  }
}

interface OfficerRow extends Officer {
  password_hash: string;
}

export class Officers {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  list(): Officer[] {
    return this.db.prepare('SELECT id, username, name, role FROM officers ORDER BY name').all() as Officer[];
  }

  get(id: number): Officer | undefined {
    if (id === BUILT_IN_ADMIN.id) return BUILT_IN_ADMIN;
    return this.db.prepare('SELECT id, username, name, role FROM officers WHERE id = ?').get(id) as
      Officer | undefined;
  }

  add(input: { username: string; name: string; password: string; role: OfficerRole }, by: Officer): Officer {
    const username = input.username.trim().toLowerCase();
    const name = input.name.trim();
    if (!USERNAME.test(username) || username === BUILT_IN_ADMIN.username)
      throw new OfficerInputError(
        'Tên đăng nhập: 2–32 ký tự gồm chữ thường không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới (không dùng "admin").',
      );
    if (name.length < 2 || name.length > 60) throw new OfficerInputError('Họ tên: từ 2 đến 60 ký tự.');
    this.checkPassword(input.password);
    const exists = this.db.prepare('SELECT 1 FROM officers WHERE username = ?').get(username);
    if (exists) throw new OfficerInputError(`Tên đăng nhập "${username}" đã có.`);
    const id = Number(
      this.db
        .prepare(
          'INSERT INTO officers (username, name, password_hash, role, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(username, name, hashPassword(input.password), input.role, this.now(), by.username)
        .lastInsertRowid,
    );
    return { id, username, name, role: input.role };
  }

  setPassword(id: number, password: string): boolean {
    this.checkPassword(password);
    return (
      this.db.prepare('UPDATE officers SET password_hash = ? WHERE id = ?').run(hashPassword(password), id)
        .changes === 1
    );
  }

  /** The account for a user name and password, or null (unknown name and wrong password alike). */
  async verify(username: string, password: string): Promise<Officer | null> {
    const row = this.db
      .prepare('SELECT id, username, name, role, password_hash FROM officers WHERE username = ?')
      .get(username.trim().toLowerCase()) as OfficerRow | undefined;
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
