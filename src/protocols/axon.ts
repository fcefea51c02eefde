/** The classic dendrite/axon synapse protocol (PROTOCOLS.md §3): one import for transports and fake miners. */
export { axonBodyHash, sha3Hex } from './axonHash.js';
export {
  DEFAULT_DENDRITE_VERSION,
  axonSignatureMessage,
  buildAxonHeaders,
  emptyJsonOfSameType,
  type BuildAxonHeadersInput,
} from './axonHeaders.js';
export { createNonceSource, wallClockNs, type ClockNs } from './axonNonce.js';
export {
  AXON_ALLOWED_DELTA_NS,
  verifyAxon,
  type AxonVerdict,
  type NonceStore,
  type VerifyAxonInput,
} from './axonVerify.js';
export { PyFloat, pyFloat, pythonFloatRepr, pythonRepr, pythonStr, pythonStringRepr, type PyValue } from './pythonRepr.js';
export type { IncomingHeaders } from './headers.js';
