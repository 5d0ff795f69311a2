import { discoverFmailRoot } from "../../fmail/root.ts";
import type { GlobalArgs } from "./args.ts";
import { configDb } from "./config-db.ts";

/** `events.root` of the config when it sets one, else fmail's own discovery from the cwd. */
export function fmailRootFor(args: GlobalArgs): { root: string; topic: string | undefined } {
  const { config } = configDb(args.config);
  if (config?.events.root) return { root: config.events.root, topic: config.events.topic };
  return { root: discoverFmailRoot(process.cwd(), process.env).root, topic: config?.events.topic };
}
