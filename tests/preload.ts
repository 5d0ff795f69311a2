// Preloaded by bunfig.toml: one afterEach for every test file (a hook registered by a module
// that many files import would bind to the first file that loads it only).
import { afterEach } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CACHE_DIR_ENV } from "../src/paths.ts";
import { removeTempDirs } from "./helpers.ts";

// The CLI runs of every test keep their timeline caches here, never in the user's ~/.cache.
process.env[CACHE_DIR_ENV] ??= mkdtempSync(join(tmpdir(), "fel-cache-"));

afterEach(removeTempDirs);
