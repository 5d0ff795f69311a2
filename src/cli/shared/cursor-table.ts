import type { CursorRow } from "../../store/index.ts";
import type { Column } from "./output.ts";

export const cursorColumns: Column<CursorRow>[] = [
  { header: "CURSOR", value: (c) => c.name },
  { header: "SEQUENCE", value: (c) => String(c.sequence), align: "right" },
  { header: "LAG", value: (c) => String(c.lag), align: "right" },
];
