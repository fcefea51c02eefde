import type { Logger } from '../../src/metagraph/logger.js';

export interface LogLine { level: 'debug' | 'info' | 'warn' | 'error'; obj: object; msg: string | undefined }

/** A logger that keeps every line, for assertions on what was logged. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string): void => { lines.push({ level, obj, msg }); };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}
