/**
 * A worker module's URL, given the URL of the module starting it. From source, `<name>.ts`
 * beside that module. Built (the npm package's dist/, or the compiled binary, where
 * scripts/compile.ts roots the bundle at src/ and makes each worker its own entrypoint), the
 * worker is `<folder>/<name>.js` one level above the starter's folder.
 */
export function workerModuleUrl(starterUrl: string, folder: string, name: string): URL {
  if (starterUrl.endsWith(".ts")) return new URL(`./${name}.ts`, starterUrl);
  return new URL(`../${folder}/${name}.js`, starterUrl);
}

/** A worker on that module, or undefined where this runtime has no Worker or cannot load it. */
export function startWorker(url: URL): Worker | undefined {
  if (typeof Worker === "undefined") return undefined;
  try {
    return new Worker(url.href);
  } catch {
    return undefined;
  }
}
