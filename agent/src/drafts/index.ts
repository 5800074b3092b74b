export {
  type BoundFinding,
  type CapChange,
  DEFAULT_DRAFT_THRESHOLD,
  type DraftThreshold,
  findBindingBound,
  isMaterial,
  roundUpCoarse,
} from "./detect.js";
export {
  type SafeBatch,
  type SafeBatchTransaction,
  safeBatch,
  safeBatchChecksum,
  TX_BUILDER_VERSION,
} from "./safe-batch.js";
export { type Draft, type DraftCall, DraftStore, draftHash, makeDraft, setCapsCall } from "./store.js";
