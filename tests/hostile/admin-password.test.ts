/**
 * The one-time dashboard password of a run without ADMIN_PASSWORD is shown to a person,
 * never written into the JSON log (issue #13, finding 15). The secrets test in
 * security.test.ts always sets ADMIN_PASSWORD and so could not see this: here the real
 * server starts without it, at trace level, and an officer logs in with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { oneTimePasswordPrinter, resolveAdminPassword } from '../../src/admin/password';
import { tempDir } from '../support/app';
import { startServer } from '../support/process';

const DEV = {
  NODE_ENV: 'development' as const,
  ADMIN_PASSWORD: undefined,
  PUBLIC_BASE_URL: 'http://localhost:3000',
};

describe('oneTimePasswordPrinter', () => {
  it('writes the password to a terminal once, and nothing to the log or a file', () => {
    const written: string[] = [];
    const logged: string[] = [];
    const file = path.join(tempDir(), 'admin-password.txt');
    const password = resolveAdminPassword(
      DEV,
      oneTimePasswordPrinter({
        terminal: { isTTY: true, write: (t) => written.push(t) },
        file,
        log: (m) => logged.push(m),
      }),
    );
    expect(written).toEqual([expect.stringContaining(password)]);
    expect(logged).toEqual([]);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('without a terminal, writes it to a file only this user can read and logs only the file name', () => {
    const written: string[] = [];
    const logged: string[] = [];
    const file = path.join(tempDir(), 'nested', 'admin-password.txt');
    const password = resolveAdminPassword(
      DEV,
      oneTimePasswordPrinter({
        terminal: { write: (t) => written.push(t) },
        file,
        log: (m) => logged.push(m),
      }),
    );
    expect(written).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toContain(password);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(logged).toEqual([expect.stringContaining(file)]);
    expect(logged.join()).not.toContain(password);
  });
});

describe('a server started without ADMIN_PASSWORD', () => {
  it('never logs its one-time password, even at trace level, and the password logs an officer in', async () => {
    const dir = tempDir();
    const server = await startServer({
      DATABASE_PATH: path.join(dir, 'bot.sqlite'),
      ADMIN_PASSWORD: '',
      LOG_LEVEL: 'trace',
    });
    try {
      const line = fs.readFileSync(path.join(dir, 'admin-password.txt'), 'utf8');
      const password = /one-time password for this run: (\S+)/.exec(line)?.[1];
      expect(password).toBeDefined();
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const wrong = await fetch(`${server.baseUrl}/admin/login`, {
        method: 'POST',
        headers: form,
        body: 'password=x',
      });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${server.baseUrl}/admin/login`, {
        method: 'POST',
        headers: form,
        body: `password=${encodeURIComponent(password!)}`,
        redirect: 'manual',
      });
      expect(ok.status).toBe(303);
      server.child.kill('SIGTERM');
      await server.exited;
      const logs = server.logs();
      expect(logs).toContain('admin-password.txt');
      expect(logs).not.toContain(password);
    } finally {
      await server.kill();
    }
  });
});
