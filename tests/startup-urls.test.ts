/** Every URL the server prints at start-up is one that reaches it: its real host and port, or PUBLIC_BASE_URL. */
import path from 'node:path';
import { startServer } from './support/process';
import { tempDir } from './support/app';

/** Starts the server with a dashboard password to be made up, and returns every URL it printed. */
async function printedUrls(env: Record<string, string>) {
  const server = await startServer({
    NODE_ENV: 'development',
    ADMIN_PASSWORD: '',
    PUBLIC_BASE_URL: '',
    DATABASE_PATH: path.join(tempDir(), 'bot.sqlite'),
    ...env,
  });
  const port = new URL(server.baseUrl).port;
  server.child.kill('SIGTERM');
  await server.exited;
  const messages = server
    .logs()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).msg as string);
  const urls = messages.flatMap((m) => [...m.matchAll(/https?:\/\/[^\s;,)]+/g)].map((u) => u[0]));
  return { port, messages, urls };
}

describe('start-up URLs', () => {
  it('name the host and port the server listens on, the dashboard included', async () => {
    const { port, messages, urls } = await printedUrls({ HOST: '127.0.0.1' });
    expect(port).not.toBe('3000');
    expect(messages).toContainEqual(`Trợ lý TTHC is listening on http://127.0.0.1:${port}`);
    expect(urls).toContainEqual(`http://127.0.0.1:${port}/admin`);
    expect(urls.filter((u) => !u.startsWith(`http://127.0.0.1:${port}`))).toEqual([]);
  });

  it('say localhost for a server on every interface, with its real port', async () => {
    const { port, urls } = await printedUrls({ HOST: '0.0.0.0' });
    expect(urls).toContainEqual(`http://localhost:${port}/admin`);
    expect(urls.filter((u) => !u.startsWith(`http://localhost:${port}`))).toEqual([]);
  });

  it('use PUBLIC_BASE_URL for the dashboard when it is set, and say where citizens reach the server', async () => {
    const { port, messages, urls } = await printedUrls({
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: 'https://bot.example.gov.vn/',
    });
    expect(messages).toContainEqual(
      `Trợ lý TTHC is listening on http://127.0.0.1:${port}; citizens reach it at https://bot.example.gov.vn`,
    );
    expect(urls).toContainEqual('https://bot.example.gov.vn/admin');
    expect(
      urls.filter(
        (u) => !u.startsWith(`http://127.0.0.1:${port}`) && !u.startsWith('https://bot.example.gov.vn'),
      ),
    ).toEqual([]);
  });
});
