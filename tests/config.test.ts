import fs from 'node:fs';
import { configSchema, loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';

describe('loadConfig', () => {
  it('works with an empty environment, using the documented defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_PATH).toBe('data/bot.sqlite');
    expect(config.NODE_ENV).toBe('development');
  });

  it('treats an empty value like an unset one', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });

  it.each([
    ['PORT', 'abc', /Invalid PORT: expected a whole number from 1 to 65535 \(got "abc"\)/],
    ['PORT', '70000', /Invalid PORT/],
    ['LOG_LEVEL', 'loud', /Invalid LOG_LEVEL: expected one of/],
    ['NODE_ENV', 'prod', /Invalid NODE_ENV/],
    ['NLU_THRESHOLD', '2', /Invalid NLU_THRESHOLD: expected a number between 0 and 1/],
  ])('rejects %s=%s with one line naming the variable', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses production without a real pseudonym secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PSEUDONYM_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', PSEUDONYM_SECRET: 'x'.repeat(32) }).NODE_ENV).toBe(
      'production',
    );
  });

  it('takes a PostgreSQL DATABASE_URL, and never echoes a bad one (it may hold a password)', () => {
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
    const url = 'postgres://bot:s3cret@db.internal:5432/tthc';
    expect(loadConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://bot:s3cret@db/tthc' })).toThrow(
      expect.objectContaining({
        variable: 'DATABASE_URL',
        message: expect.stringMatching(
          /^Invalid DATABASE_URL: expected a PostgreSQL URL such as postgres:\/\/[^\n]*$/,
        ),
      }),
    );
    expect(() => loadConfig({ DATABASE_URL: 'mysql://bot:s3cret@db/tthc' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });

  it('never echoes a secret value in the error', () => {
    expect(() => loadConfig({ PSEUDONYM_SECRET: 'short-secret' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('short-secret') }),
    );
  });
});

describe('.env.example', () => {
  const lines = fs.readFileSync('.env.example', 'utf8').split('\n');

  it('lists every variable of the schema, each under a comment', () => {
    for (const name of Object.keys(configSchema.shape)) {
      const index = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect({ name, listed: index >= 0 }).toEqual({ name, listed: true });
      expect({ name, commented: lines[index - 1]?.startsWith('#') }).toEqual({ name, commented: true });
    }
  });

  it('parses as a valid configuration', () => {
    const env: Record<string, string> = {};
    for (const l of lines) {
      const m = /^([A-Z_]+)=(.*)$/.exec(l);
      if (m) env[m[1]] = m[2];
    }
    expect(() => loadConfig(env)).not.toThrow();
  });
});
