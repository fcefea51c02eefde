import type { ConfigInput } from '../config/schema.js';
import type { Secret } from '../config/secret.js';
import type { LocalSubnet } from './localSubnet.js';

export const DEMO_MODEL = 'taogate-demo';

/**
 * The gateway config of the demo: one model on the local subnet, loopback explicitly allowed,
 * requests signed with Epistula by the gateway's throwaway hotkey (`gatewaySeed`).
 */
export function demoConfig(subnet: LocalSubnet, port: number, gatewaySeed: Secret): ConfigInput {
  return {
    server: { host: '127.0.0.1', port },
    network: { allowCidrs: ['127.0.0.0/8'] },
    identity: { seed: gatewaySeed },
    // A local demo: anyone on this machine may call it, no API key needed.
    auth: { mode: 'open' },
    models: {
      [DEMO_MODEL]: {
        netuid: 1,
        protocol: 'epistula',
        source: {
          type: 'static',
          miners: subnet.miners.map(({ spec, hotkey, handle }) => ({ uid: spec.uid, hotkey, host: '127.0.0.1', port: handle.port })),
        },
        fanout: { retries: 2 },
        timeouts: { connectMs: 1_000, firstByteMs: 5_000, idleMs: 5_000, totalMs: 30_000 },
      },
    },
  };
}

/** Ready-to-paste examples for the printed banner. */
export function demoSnippets(url: string, gatewayHotkey: string): string {
  return `
taogate demo is running at ${url}  (model: ${DEMO_MODEL})
gateway hotkey ${gatewayHotkey} (throwaway): every request to the miners is signed with Epistula

curl:
  curl ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"${DEMO_MODEL}","messages":[{"role":"user","content":"Hello, subnet!"}]}'

  curl -N ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"${DEMO_MODEL}","stream":true,"messages":[{"role":"user","content":"Stream it"}]}'

OpenAI SDK (Node):
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: 'unused' });
  const reply = await client.chat.completions.create({ model: '${DEMO_MODEL}', messages: [{ role: 'user', content: 'Hello!' }] });
  console.log(reply.choices[0].message.content);

OpenAI SDK (Python):
  from openai import OpenAI
  client = OpenAI(base_url="${url}/v1", api_key="unused")
  print(client.chat.completions.create(model="${DEMO_MODEL}", messages=[{"role": "user", "content": "Hello!"}]).choices[0].message.content)

Also: GET ${url}/v1/models  ${url}/readyz  ${url}/metrics      Stop with Ctrl-C.
`;
}
