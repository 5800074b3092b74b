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
export {
  type Draft,
  type DraftBound,
  type DraftCall,
  type DraftKind,
  DraftStore,
  draftHash,
  makeDraft,
  setCapsCall,
} from "./store.js";
export {
  type BufferDraftSettings,
  type BufferFinding,
  type CeilingDraftSettings,
  type CeilingsFinding,
  ceilingsOutcome,
  DEFAULT_BUFFER_SETTINGS,
  DEFAULT_CEILING_SETTINGS,
  findBufferCut,
  findSessionClip,
} from "./detect-limits.js";
export { BoundEvidence, largestOutflow } from "./evidence.js";
export { makeBufferDraft, makeCeilingsDraft, setCeilingsCall, setIdleBufferCall } from "./make-limits.js";
