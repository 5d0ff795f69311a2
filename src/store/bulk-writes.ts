/**
 * The connection settings of a backfill (`mirror`), which writes batch after batch on one
 * connection: an 8 MiB page cache instead of SQLite's 2 MB, so the table's and its indexes'
 * right edges stay cached across batches, and a WAL checkpoint every 10,000 pages (about
 * 40 MiB with 4 KiB pages) instead of every 1,000, so the same hot pages are copied into the
 * file once per many batches rather than once per few. Durability is the store's own (WAL,
 * synchronous as opened); only when a checkpoint runs changes. `journal_size_limit` still
 * truncates the WAL after a checkpoint.
 */
export const BULK_WRITE_PRAGMAS: readonly string[] = [
  "PRAGMA cache_size = -8192",
  "PRAGMA wal_autocheckpoint = 10000",
];
