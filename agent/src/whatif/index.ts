export { applyChanges, type BoundsChange, type ChangeModel, changeModel } from "./changes.js";
export { type ReplayedRebalance, type ReplayedStatus, type WhatIf, type WhatIfOptions, whatIf } from "./what-if.js";
export { renderWhatIf, whatIfSummary } from "./render.js";
export { type RecordsLocation, whatIfRecords } from "./records.js";
