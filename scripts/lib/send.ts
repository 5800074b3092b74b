/** Simulate, then send, one transaction; a refusal comes back as an OperationError with the contract's reason. */
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import { OperationError, toOperationError } from "./errors.js";

interface Sendable<A extends unknown[]> {
  (...args: A): Promise<ContractTransactionResponse>;
  staticCall(...args: A): Promise<unknown>;
}

/** Runs `method.staticCall(...args)` then sends it and waits for the receipt. `what` names the action in errors. */
export async function simulateAndSend<A extends unknown[]>(
  what: string,
  method: Sendable<A>,
  ...args: A
): Promise<ContractTransactionReceipt> {
  try {
    await method.staticCall(...args);
  } catch (error) {
    throw toOperationError(what, error);
  }
  let receipt: ContractTransactionReceipt | null;
  try {
    receipt = await (await method(...args)).wait();
  } catch (error) {
    throw toOperationError(what, error);
  }
  if (!receipt) throw new OperationError(`${what}: the transaction was dropped`);
  return receipt;
}
