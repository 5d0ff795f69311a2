// Preloaded by bunfig.toml: one afterEach for every test file (a hook registered by a module
// that many files import would bind to the first file that loads it only).
import { afterEach } from "bun:test";
import { removeTempDirs } from "./helpers.ts";

afterEach(removeTempDirs);
