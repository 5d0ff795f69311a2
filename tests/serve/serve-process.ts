import { MAIN } from "../helpers.ts";

/** `serve` running as a real process on a free port, with its URL read from what it prints. */
export interface Served {
  url: string;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** Sends SIGTERM and returns the exit code. */
  stop(): Promise<number>;
}

export async function serve(db: string, extra: string[] = []): Promise<Served> {
  const proc = Bun.spawn([process.execPath, MAIN, "serve", "--db", db, "--port", "0", ...extra], {
    env: { ...process.env, NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stderr.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited before listening: ${seen}`);
    seen += decoder.decode(value);
    const m = /at (http:\/\/\S+\/)/.exec(seen);
    if (m) {
      reader.releaseLock();
      return {
        url: m[1]!,
        proc,
        stop: async () => {
          proc.kill("SIGTERM");
          return proc.exited;
        },
      };
    }
  }
}
