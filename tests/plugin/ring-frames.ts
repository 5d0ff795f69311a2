/** Frame n of the ring tests: 1..700 bytes whose values depend on n, so any mix-up shows. */
export function framePayload(n: number): Uint8Array {
  const length = 1 + ((n * 37) % 700);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (n + i) & 0xff;
  return bytes;
}
