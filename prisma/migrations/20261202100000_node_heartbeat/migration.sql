-- Node liveness (lib/server/node-liveness.ts): every running node writes its heartbeat here; a node whose heartbeat
-- is older than CALLSCOPE_NODE_TIMEOUT_SECONDS is lost, and another node ends its live sessions. The key is the
-- node's CALLSCOPE_HOST_IDENTIFIER ('' when unset), as "rtcstats-server".host_identifier holds it.
CREATE TABLE "node_heartbeat" (
    "host_identifier" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "node_heartbeat_pkey" PRIMARY KEY ("host_identifier")
);

-- A live session ended by another node because its own node was lost (its analysis is the last stored snapshot
-- until the lost node starts again and uploads the dump).
ALTER TABLE "rtcstats-server" ADD COLUMN "node_lost" BOOLEAN NOT NULL DEFAULT false;
