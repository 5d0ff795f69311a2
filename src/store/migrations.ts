import { latestVersion, type Migration, type Schema } from "./migration.ts";
import { migration7 } from "./schema/conflicts.ts";
import { migration1 } from "./schema/contract.ts";
import { migration5 } from "./schema/follow-last-ts.ts";
import { migration4 } from "./schema/follow-positions.ts";
import { migration6 } from "./schema/nullable-chain.ts";
import { migration2 } from "./schema/quarantine.ts";
import { migration9 } from "./schema/settings.ts";
import { migration3, migration8 } from "./schema/timeline.ts";

/**
 * Every migration, in order. `events` and `projection_cursors` are the forge-loop contract and
 * keep its columns; our extensions are the chain columns and tables of our own.
 */
export const MIGRATIONS: readonly Migration[] = [
  migration1,
  migration2,
  migration3,
  migration4,
  migration5,
  migration6,
  migration7,
  migration8,
  migration9,
];

/** The event log's schema: what every database forge-eventlog writes events to is migrated to. */
export const LOG_SCHEMA: Schema = { migrations: MIGRATIONS };

/** The version of the last migration. */
export const LATEST_SCHEMA_VERSION = latestVersion(LOG_SCHEMA);
