/** A failure to reach or read the chain: connection refused or lost, timeout, bad answer. */
export class ChainError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainError';
  }
}
