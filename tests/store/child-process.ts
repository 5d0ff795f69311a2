import type { Subprocess } from "bun";

/** A Bun child process the test talks to over stdin/stdout, line by line. */
export interface Child {
  /** Resolves once the child has printed `text` on stdout. */
  waitFor(text: string): Promise<void>;
  send(line: string): void;
  /** Closes stdin and resolves with the exit code and everything printed. */
  finish(): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  kill(): void;
}

export function spawnChild(script: string, args: readonly string[]): Child {
  const proc: Subprocess<"pipe", "pipe", "pipe"> = Bun.spawn([process.execPath, script, ...args], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stdout = "";
  const decoder = new TextDecoder();
  const waiters: { text: string; resolve: () => void }[] = [];
  const stdoutDone = (async () => {
    for await (const chunk of proc.stdout) {
      stdout += decoder.decode(chunk, { stream: true });
      for (const w of waiters.filter((w) => stdout.includes(w.text))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  })();
  const stderrText = new Response(proc.stderr).text();

  return {
    waitFor(text) {
      if (stdout.includes(text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve });
        proc.exited.then(async (code) => {
          await stdoutDone;
          if (!stdout.includes(text)) {
            reject(new Error(`child exited ${code} before printing ${text}: ${await stderrText}`));
          }
        });
      });
    },
    send(line) {
      proc.stdin.write(`${line}\n`);
      proc.stdin.flush();
    },
    async finish() {
      proc.stdin.end();
      const exitCode = await proc.exited;
      await stdoutDone;
      return { exitCode, stdout, stderr: await stderrText };
    },
    kill() {
      proc.kill();
    },
  };
}
