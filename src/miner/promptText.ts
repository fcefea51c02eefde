/** The text a miner generates from: message contents in order (roles included), or the prompt. */
export function promptOf(body: Record<string, unknown>): string {
  if (Array.isArray(body.messages)) {
    return body.messages.map((m: { role?: unknown; content?: unknown }) => `${String(m.role)}: ${contentText(m.content)}`).join('\n');
  }
  const prompt = body.prompt;
  return Array.isArray(prompt) ? prompt.join('') : String(prompt ?? '');
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p: { text?: unknown }) => (typeof p.text === 'string' ? p.text : '')).join('');
  return '';
}
