/**
 * A plain ABI decoder for the view result the daemon reads for every vault at every tick (the lens snapshot): the
 * values come out as plain objects and arrays named as in the ABI, decoded as ethers decodes them (integers masked to
 * their width, any non-zero word a true bool, addresses checksummed by the caller), without ethers' `Result` objects,
 * which make decoding a 20-strategy snapshot several times slower. It covers the types such results use: address,
 * bool, (u)int<N>, tuples and arrays. Data too short for what it claims fails with a `BAD_DATA` error, as ethers fails.
 */
import { makeError, type ParamType } from "ethers";

/** Decodes `data` (hex) as the values `types` describe, each tuple as an object keyed by its components' names. */
export function decodePlain(types: readonly ParamType[], data: string): unknown[] {
  const words = new Words(data);
  return decodeSequence(words, types, 0) as unknown[];
}

class Words {
  readonly bytes: number;

  constructor(private readonly hex: string) {
    if (!/^0x([0-9a-fA-F]{64})*$/.test(hex)) throw badData(hex, "not a whole number of 32-byte words");
    this.bytes = (hex.length - 2) / 2;
  }

  /** The 32-byte word at byte `at`, as hex digits. */
  word(at: number): string {
    if (at < 0 || at + 32 > this.bytes)
      throw badData(this.hex, `data out of bounds (word at byte ${at} of ${this.bytes})`);
    return this.hex.slice(2 + at * 2, 2 + at * 2 + 64);
  }

  value(at: number): bigint {
    return BigInt(`0x${this.word(at)}`);
  }

  /** An offset or a length: a word that must fit in the data. */
  offset(at: number): number {
    const v = this.value(at);
    if (v > BigInt(this.bytes)) throw badData(this.hex, `offset or length ${v} beyond the data (${this.bytes} bytes)`);
    return Number(v);
  }
}

function badData(value: string, reason: string): Error {
  return makeError(`could not decode result data: ${reason}`, "BAD_DATA", { value });
}

function isDynamic(type: ParamType): boolean {
  if (type.baseType === "array") return type.arrayLength === -1 || isDynamic(type.arrayChildren!);
  if (type.baseType === "tuple") return type.components!.some(isDynamic);
  return type.baseType === "string" || type.baseType === "bytes";
}

/** Bytes a static type takes in place. */
function headSize(type: ParamType): number {
  if (type.baseType === "tuple") return type.components!.reduce((sum, c) => sum + headSize(c), 0);
  if (type.baseType === "array") return type.arrayLength! * headSize(type.arrayChildren!);
  return 32;
}

/** Values of `types` laid out from byte `start`: static ones in place, dynamic ones at an offset from `start`. */
function decodeSequence(words: Words, types: readonly ParamType[], start: number): unknown[] | Record<string, unknown> {
  const values: unknown[] = [];
  let at = start;
  for (const type of types) {
    if (isDynamic(type)) {
      values.push(decodeAt(words, type, start + words.offset(at)));
      at += 32;
    } else {
      values.push(decodeAt(words, type, at));
      at += headSize(type);
    }
  }
  return values;
}

function decodeAt(words: Words, type: ParamType, at: number): unknown {
  switch (type.baseType) {
    case "tuple": {
      const values = decodeSequence(words, type.components!, at) as unknown[];
      const out: Record<string, unknown> = {};
      for (const [i, c] of type.components!.entries()) out[c.name] = values[i];
      return out;
    }
    case "array": {
      const dynamicLength = type.arrayLength === -1;
      const length = dynamicLength ? words.offset(at) : type.arrayLength!;
      return decodeSequence(words, Array(length).fill(type.arrayChildren!), dynamicLength ? at + 32 : at);
    }
    case "address": {
      const word = words.word(at);
      if (!/^0{24}/.test(word)) throw badData(`0x${word}`, "an address wider than 20 bytes");
      return `0x${word.slice(24)}`;
    }
    case "bool":
      return words.value(at) !== 0n;
    default: {
      const m = /^(u?)int(\d*)$/.exec(type.type);
      if (!m) throw new Error(`decodePlain does not decode ${type.type}`);
      const bits = BigInt(m[2] || "256");
      const value = words.value(at) & ((1n << bits) - 1n);
      return m[1] === "u" || value < 1n << (bits - 1n) ? value : value - (1n << bits);
    }
  }
}
