export { type DecisionWords, decisionInWords } from "./words.js";
export { type Divergence, type Replay, replayDecision, settingsDifferences } from "./replay.js";
export { explanationJson, renderExplanation } from "./render.js";
export {
  DivergedError,
  type ExplainDivergence,
  type ExplainOptions,
  type Explanation,
  explainDecision,
  plannerNamed,
  type RecordSource,
} from "./run-explain.js";
