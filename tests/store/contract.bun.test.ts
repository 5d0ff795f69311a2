import { test } from "bun:test";
import { storeContractSuite } from "./contract.ts";

storeContractSuite(test, "bun:sqlite");
