/**
 * Writes gathered per event-loop turn.
 *
 * A busy gateway handles many sockets' input in one turn of the event loop. Written as each
 * request is ready, every response to a client (and every request to a miner) is a separate
 * write that, when its reader is asleep, also has to wake it: on the 2-vCPU benchmark VM that
 * wake-up is the largest single cost of a request, and it lands on the writer's CPU. Written
 * together after the turn's input has been handled, the first write wakes the reader and the
 * rest find it awake. Servers built for throughput flush once per loop iteration for the same
 * reason; behind a load balancer the reader of every response is the same process (nginx),
 * just as it is for the benchmark's load generator.
 *
 * `afterIo` runs a task in the check phase of the current turn (one setImmediate for all the
 * tasks of a turn); an idle gateway pays a few microseconds, since the check phase follows
 * the poll phase at once. Measured with `npm run bench -- proxy`: see the README.
 */
let queue: Array<() => void> = [];
let scheduled = false;

export function afterIo(task: () => void): void {
  queue.push(task);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runQueued);
  }
}

/** Resolves in the check phase of the current turn (see afterIo). */
export function afterIoTurn(): Promise<void> {
  return new Promise((resolve) => afterIo(resolve));
}

function runQueued(): void {
  scheduled = false;
  const tasks = queue;
  queue = [];
  for (const task of tasks) {
    try {
      task();
    } catch (error) {
      // Tasks handle their own failures; one that throws is a bug, reported as an unhandled
      // rejection (logged, see cli/signals.ts) without stopping the others.
      void Promise.reject(error);
    }
  }
}
