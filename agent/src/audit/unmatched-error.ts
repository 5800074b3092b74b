import { AgentError } from "../failures.js";

/** `audit` found actions of agent keys with no matching record: the command exits 3 (after printing its report). */
export class UnmatchedActionsError extends AgentError {
  readonly exitCode = 3;

  constructor(readonly unmatched: number) {
    super(`${unmatched} action${unmatched === 1 ? "" : "s"} of agent keys with no matching record`);
  }
}
