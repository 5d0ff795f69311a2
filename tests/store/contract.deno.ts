/**
 * The store contract on node:sqlite under Deno. Run from the repo root:
 *   node_modules/.bin/deno test -A --no-check tests/store/contract.deno.ts
 */
import { type RegisterTest, storeContractSuite } from "./contract.ts";

const deno = (globalThis as unknown as { Deno: { test: RegisterTest } }).Deno;

storeContractSuite((name, fn) => deno.test(name, fn), "node:sqlite");
