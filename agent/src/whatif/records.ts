/**
 * The decision records a what-if replays: `--journal <path>` (the daemon's journal file, or a folder of published
 * records) or the operator's `--config` (its published records folder).
 */
import fs from "node:fs";
import { journalRecords, publishedRecords, type RecordSet } from "../audit/records.js";
import { loadConfig } from "../config/load.js";
import { dataPaths } from "../daemon/build.js";
import { UsageError } from "../failures.js";

export interface RecordsLocation {
  /** A journal file or a folder of published records. */
  journal?: string;
  /** The daemon's configuration file: its records folder. */
  config?: string;
}

/** The records at `location`, and the option they came from (for the error when none are in the window). */
export function whatIfRecords(location: RecordsLocation): { records: RecordSet; origin: string } {
  if (location.journal !== undefined) {
    const dir = fs.existsSync(location.journal) && fs.statSync(location.journal).isDirectory();
    return {
      records: dir ? publishedRecords(location.journal) : journalRecords(location.journal),
      origin: `--journal ${location.journal}`,
    };
  }
  if (location.config !== undefined) {
    const folder = dataPaths(loadConfig(location.config), "0x").records;
    if (!fs.existsSync(folder))
      throw new UsageError(
        `--config ${location.config}: its records folder ${folder} does not exist (no decision yet)`,
      );
    return { records: publishedRecords(folder), origin: `--config ${location.config} (records ${folder})` };
  }
  throw new UsageError("--what-if needs the daemon's decision records: --journal <file or folder>, or --config <file>");
}
