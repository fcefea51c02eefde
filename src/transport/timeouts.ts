/** The time limits of one miner call (see the model config's `timeouts`). */
export interface Timeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
  totalMs: number;
}
