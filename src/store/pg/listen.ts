import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { pgFailure } from "./client.ts";
import type { PgTarget } from "./target.ts";

/**
 * LISTEN on one channel over PostgreSQL's wire protocol (version 3). Bun.SQL runs queries but
 * does not hand out notifications, so the one thing `tail` needs, a wake-up when another
 * session commits, is this small client: startup, authentication (trust, password, md5,
 * SCRAM-SHA-256), `LISTEN`, then NotificationResponse messages. No TLS: use it on the
 * networks where the server takes plain connections (sslmode=disable).
 */
export interface Listener {
  /** Resolves when the connection ends (server restart, terminated backend, close()). */
  readonly closed: Promise<Error | undefined>;
  close(): void;
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function startup(user: string, database: string, appName: string): Buffer {
  const body = Buffer.concat([
    Buffer.from([0, 3, 0, 0]),
    cstring("user"),
    cstring(user),
    cstring("database"),
    cstring(database),
    cstring("application_name"),
    cstring(appName),
    Buffer.from([0]),
  ]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
}

function errorText(body: Buffer): { code: string; text: string } {
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const type = String.fromCharCode(body[i] as number);
    const end = body.indexOf(0, i + 1);
    fields[type] = body.toString("utf8", i + 1, end);
    i = end + 1;
  }
  return { code: fields.C ?? "", text: fields.M ?? "server error" };
}

/** SCRAM-SHA-256 (RFC 5802/7677), as PostgreSQL speaks it: no channel binding. */
class Scram {
  private readonly nonce = randomBytes(18).toString("base64");
  private readonly clientFirstBare = `n=,r=${this.nonce}`;
  constructor(private readonly password: string) {}

  first(): Buffer {
    const payload = Buffer.from(`n,,${this.clientFirstBare}`);
    const len = Buffer.alloc(4);
    len.writeInt32BE(payload.length);
    return message("p", Buffer.concat([cstring("SCRAM-SHA-256"), len, payload]));
  }

  final(serverFirst: string): Buffer {
    const attrs = Object.fromEntries(
      serverFirst.split(",").map((kv) => [kv.slice(0, 1), kv.slice(2)] as [string, string]),
    );
    const nonce = attrs.r ?? "";
    if (!nonce.startsWith(this.nonce)) throw new Error("SCRAM: the server's nonce is not ours");
    const salted = pbkdf2Sync(
      this.password.normalize("NFKC"),
      Buffer.from(attrs.s ?? "", "base64"),
      Number(attrs.i),
      32,
      "sha256",
    );
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = createHash("sha256").update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const auth = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = createHmac("sha256", storedKey).update(auth).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] as number)));
    return message("p", Buffer.from(`${withoutProof},p=${proof.toString("base64")}`));
  }
}

function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash("md5")
    .update(password + user)
    .digest("hex");
  return `md5${createHash("md5")
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest("hex")}`;
}

/**
 * Connects, authenticates and listens on `channel`; `onNotify` gets each payload. Resolves
 * once LISTEN is in effect, so a commit after that is never missed.
 */
export function listen(
  target: PgTarget,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<Listener> {
  const u = new URL(target.url);
  const user = decodeURIComponent(u.username) || "postgres";
  const password = decodeURIComponent(u.password);
  const socket: Socket = connect({ host: target.host, port: target.port });
  let buffered = Buffer.alloc(0);
  let scram: Scram | undefined;
  let listening = false;
  let settle: { ok: (l: Listener) => void; fail: (e: Error) => void } | undefined;
  let endClosed: (e: Error | undefined) => void = () => {};
  const closed = new Promise<Error | undefined>((r) => {
    endClosed = r;
  });
  const fail = (e: Error) => {
    if (settle) {
      settle.fail(e);
      settle = undefined;
    }
    socket.destroy();
    endClosed(e);
  };
  const listener: Listener = { closed, close: () => socket.destroy() };

  const handle = (type: string, body: Buffer) => {
    switch (type) {
      case "R": {
        const code = body.readInt32BE(0);
        if (code === 0) return;
        if (code === 3) socket.write(message("p", cstring(password)));
        else if (code === 5) {
          socket.write(message("p", cstring(md5Password(user, password, body.subarray(4, 8)))));
        } else if (code === 10) {
          scram = new Scram(password);
          socket.write(scram.first());
        } else if (code === 11 && scram) socket.write(scram.final(body.toString("utf8", 4)));
        else if (code !== 12) throw new Error(`authentication method ${code} is not supported`);
        return;
      }
      case "Z":
        if (!listening) {
          listening = true;
          socket.write(message("Q", cstring(`LISTEN "${channel.replaceAll('"', '""')}"`)));
        } else if (settle) {
          settle.ok(listener);
          settle = undefined;
        }
        return;
      case "A": {
        const start = 4;
        const end = body.indexOf(0, start);
        onNotify(body.toString("utf8", end + 1, body.indexOf(0, end + 1)));
        return;
      }
      case "E": {
        const { code, text } = errorText(body);
        const err = new Error(text) as Error & { errno?: string };
        err.errno = code;
        fail(err);
        return;
      }
      default:
        return;
    }
  };

  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    try {
      while (buffered.length >= 5) {
        const len = buffered.readInt32BE(1);
        if (buffered.length < len + 1) break;
        const type = String.fromCharCode(buffered[0] as number);
        const body = buffered.subarray(5, len + 1);
        buffered = buffered.subarray(len + 1);
        handle(type, body);
      }
    } catch (e) {
      fail(e as Error);
    }
  });
  socket.on("error", (e) => fail(e));
  socket.on("close", () =>
    fail(Object.assign(new Error("connection closed"), { code: "ERR_CONNECTION_CLOSED" })),
  );
  socket.on("connect", () =>
    socket.write(startup(user, target.database, `forge-eventlog:listen:${target.schema ?? ""}`)),
  );
  return new Promise<Listener>((ok, failed) => {
    settle = { ok, fail: failed };
  }).catch((e: unknown) => {
    throw pgFailure(e, target, "listening for new events");
  });
}
