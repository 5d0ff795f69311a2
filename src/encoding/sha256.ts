import * as crypto from "node:crypto";

type Encoding = "hex" | "base64url";
type OneShotHash = (algorithm: string, data: string | Uint8Array, encoding: Encoding) => string;

// crypto.hash (Node >= 21.7, Bun) skips the Hash object; Deno's node:crypto may lack it.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** The SHA-256 digest of `data` (text as UTF-8), as hex or base64url. */
export const sha256: (data: string | Uint8Array, encoding: Encoding) => string = oneShot
  ? (data, encoding) => oneShot("sha256", data, encoding)
  : (data, encoding) => crypto.createHash("sha256").update(data).digest(encoding);

export const sha256Hex = (data: string | Uint8Array): string => sha256(data, "hex");
