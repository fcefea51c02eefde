import { spawn, type ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../', import.meta.url).pathname;

/**
 * `taogate demo` as users run it: one process, a local subnet and the gateway, answering
 * curl-style requests and the official OpenAI SDK, streamed and not, and stopping cleanly.
 */
describe('the taogate demo command', () => {
  let child: ChildProcess;
  let url: string;
  let output = '';

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--port', '0'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    process.once('exit', () => child.kill('SIGKILL'));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 45_000);
      const onData = (data: Buffer): void => {
        output += data.toString();
        const match = output.match(/taogate demo is running at (http:\/\/127\.0\.0\.1:\d+)/);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
    });
  }, 60_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints ready-to-paste curl and SDK snippets', () => {
    expect(output).toContain(`curl ${url}/v1/chat/completions`);
    expect(output).toContain(`baseURL: '${url}/v1'`);
    expect(output).toMatch(/gateway hotkey 5[1-9A-HJ-NP-Za-km-z]{47}/);
  });

  it('answers plain HTTP requests like the printed curl', async () => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'taogate-demo', messages: [{ role: 'user', content: 'Hello, subnet!' }] }),
    });
    expect(response.status).toBe(200);
    const body = await response.json() as { choices: Array<{ message: { content: string }; finish_reason: string }> };
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(10);
    expect(body.choices[0]!.finish_reason).toBe('stop');
  });

  it('answers the OpenAI SDK, streamed and not', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'taogate-demo', messages: [{ role: 'user', content: 'Hi' }] });
    expect(reply.choices[0]!.message.content).toBeTruthy();
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'taogate-demo', messages: [{ role: 'user', content: 'Hi' }], stream: true })) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text.length).toBeGreaterThan(10);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('taogate-demo');
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
