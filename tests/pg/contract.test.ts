import { afterAll, test } from "bun:test";
import { PgEventStore } from "../../src/store/pg/pg-store.ts";
import { type LogEngine, logContractSuite } from "../store/contract-log.ts";
import { dropSchemas, freshSchema } from "./pg-server.ts";

afterAll(dropSchemas);

/** The log contract on a fresh PostgreSQL schema per test (FORGE_EVENTLOG_PG_URL's server). */
const postgres: LogEngine = {
  name: "postgres",
  async fresh() {
    const { url, schema } = await freshSchema("contract");
    const store = await PgEventStore.open(url);
    const raw = new Bun.SQL(url.replace(/\?.*$/, ""), {
      max: 1,
      connection: { search_path: schema },
    });
    return {
      store,
      target: store.path,
      exec: async (sql) => {
        await raw.unsafe(sql);
      },
      reopen: (options = {}) => PgEventStore.open(url, options),
      dispose: () => raw.close(),
    };
  },
};

logContractSuite(test, postgres);
