/** A treasury custom error as the mirror predicts it: the same name and arguments the contracts would revert with. */
export interface PredictedError {
  name: string;
  args: Record<string, bigint | string>;
}

export function predicted(name: string, args: Record<string, bigint | string> = {}): PredictedError {
  return { name, args };
}

/** One line for logs: `Name(arg=value, ...)`. */
export function formatPredicted(error: PredictedError): string {
  return `${error.name}(${Object.entries(error.args)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ")})`;
}
