// Filled in by the stats-engine integration (issue 3).
export async function processSessionInWorker(_sessionId: bigint): Promise<void> {}
