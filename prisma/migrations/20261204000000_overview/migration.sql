-- The Overview page (issue 15): what a session adds to the charts is on its row (`mos`, `rtt_ms`, `connect_ms`,
-- written with the analysis by lib/server/data/session-results.ts; quality, issue types, browser, OS and client
-- protocol were there), and a trigger keeps hourly and daily rollups of those rows, so the overview reads a few
-- hundred rollup rows whatever the number of sessions (lib/server/data/overview.ts).
--
-- A row counts once `overview_counted` is set (its first stored analysis). The trigger takes the old row's
-- contribution out and puts the new one in, so reprocessing a session (every live snapshot, every retry) never
-- counts it twice, and a deleted row (erasure, retention purge) leaves the rollups.
ALTER TABLE "rtcstats-server"
    ADD COLUMN "mos" DOUBLE PRECISION,
    ADD COLUMN "rtt_ms" DOUBLE PRECISION,
    ADD COLUMN "connect_ms" INTEGER,
    ADD COLUMN "overview_counted" BOOLEAN NOT NULL DEFAULT false;

-- search by user or conference prefix (the search box), and the overview's conference prefix filter
CREATE INDEX "rtcstats-server_rtcstats_user_prefix_idx" ON "rtcstats-server" ("rtcstats_user" text_pattern_ops);
CREATE INDEX "rtcstats-server_rtcstats_conference_prefix_idx" ON "rtcstats-server" ("rtcstats_conference" text_pattern_ops);
-- the overview's time range on session rows (a conference prefix or metadata filter): the time a session counts at
CREATE INDEX "rtcstats-server_overview_time_idx" ON "rtcstats-server" ((coalesce("first_event_at", "session_start", "created_at")));
-- the overview's ten worst calls: lowest MOS first
CREATE INDEX "rtcstats-server_mos_idx" ON "rtcstats-server" ("mos");

-- One row per grain ('hour' | 'day', UTC), level, bucket start and dimensions. A level is the set of dimensions a row
-- keeps (bits: 8 browser, 4 browser major version, 2 OS, 1 client protocol); the others are '*', and '' is unknown.
-- Each session is in ten levels: every one a page of the overview reads with its browser / OS filters (0 the
-- totals, 12 the browser breakdown, 2 the OS breakdown or an OS filter, 1 protocols, 8 a browser filter, and their
-- combinations 10, 14, 9, 3, 11), so no read sums more than a few hundred rows. Histograms: `mos_hist` 41 buckets of
-- 0.1 from 1.0 (rounded), `rtt_hist` 101 of 10 ms (the last ≥ 1 s), `connect_hist` 101 of 100 ms (the last ≥ 10 s).
-- `issues`: sessions per issue type. `calls`: conferences whose first counted session in the bucket was in the row.
CREATE TABLE "overview_rollup" (
    "grain" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "bucket" TIMESTAMPTZ(6) NOT NULL,
    "browser" TEXT NOT NULL,
    "browser_major" TEXT NOT NULL,
    "os" TEXT NOT NULL,
    "client_protocol" TEXT NOT NULL,
    "sessions" INTEGER NOT NULL DEFAULT 0,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "good" INTEGER NOT NULL DEFAULT 0,
    "fair" INTEGER NOT NULL DEFAULT 0,
    "poor" INTEGER NOT NULL DEFAULT 0,
    "unknown" INTEGER NOT NULL DEFAULT 0,
    "relay" INTEGER NOT NULL DEFAULT 0,
    "tcp" INTEGER NOT NULL DEFAULT 0,
    "ice_failed" INTEGER NOT NULL DEFAULT 0,
    "gum_error" INTEGER NOT NULL DEFAULT 0,
    "mos_hist" INTEGER[] NOT NULL,
    "rtt_hist" INTEGER[] NOT NULL,
    "connect_hist" INTEGER[] NOT NULL,
    "issues" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "overview_rollup_pkey" PRIMARY KEY ("grain", "level", "bucket", "browser", "browser_major", "os", "client_protocol")
);

-- Counted sessions per grain, bucket and conference: the overview's calls per bucket (count of rows).
CREATE TABLE "overview_call" (
    "grain" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(6) NOT NULL,
    "conference" TEXT NOT NULL,
    "sessions" INTEGER NOT NULL,
    CONSTRAINT "overview_call_pkey" PRIMARY KEY ("grain", "bucket", "conference")
);

-- Element-wise sum of two histograms (missing elements count 0), and its aggregate.
CREATE FUNCTION overview_hist_add(a INTEGER[], b INTEGER[]) RETURNS INTEGER[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
    FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;
CREATE AGGREGATE overview_hist_sum(INTEGER[]) (SFUNC = overview_hist_add, STYPE = INTEGER[], INITCOND = '{}');

-- A histogram of n buckets from bucket numbers (1-based; nulls ignored), times `sign`.
CREATE FUNCTION overview_hist(idx INTEGER[], n INTEGER, sign INTEGER DEFAULT 1) RETURNS INTEGER[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(coalesce(c, 0) * sign ORDER BY g)
    FROM generate_series(1, n) AS g
    LEFT JOIN (SELECT i, count(*)::int AS c FROM unnest(idx) AS i WHERE i IS NOT NULL GROUP BY i) AS h ON h.i = g
$$;

-- The bucket numbers of one value (null stays null).
CREATE FUNCTION overview_mos_bucket(v DOUBLE PRECISION) RETURNS INTEGER LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT least(41, greatest(1, round((v - 1) * 10)::int + 1))
$$;
CREATE FUNCTION overview_rtt_bucket(v DOUBLE PRECISION) RETURNS INTEGER LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT least(101, greatest(1, floor(v / 10)::int + 1))
$$;
CREATE FUNCTION overview_connect_bucket(v INTEGER) RETURNS INTEGER LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT least(101, greatest(1, v / 100 + 1))
$$;

-- Sessions per issue type: a + sign·b, zero counts dropped.
CREATE FUNCTION overview_issues_add(a JSONB, types TEXT[], sign INTEGER) RETURNS JSONB LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(k, n), '{}')
    FROM (SELECT k, sum(n)::int AS n
            FROM (SELECT key AS k, value::int AS n FROM jsonb_each_text(a)
                  UNION ALL SELECT t, sign FROM unnest(types) AS t) AS e
           GROUP BY k HAVING sum(n) <> 0) AS s
$$;

-- The levels every session is in (see overview_rollup), and a dimension's value at a level.
CREATE FUNCTION overview_levels() RETURNS INTEGER[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY[0, 12, 2, 1, 8, 10, 14, 9, 3, 11]
$$;
CREATE FUNCTION overview_dim(level INTEGER, mask INTEGER, value TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN level & mask <> 0 THEN coalesce(value, '') ELSE '*' END
$$;

-- Adds (sign 1) or takes out (sign -1) one counted row's contribution, to the hourly and the daily rollup.
CREATE FUNCTION overview_apply(r "rtcstats-server", sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t TIMESTAMPTZ := coalesce(r.first_event_at, r.session_start, r.created_at);
  major TEXT := split_part(r.browser_version, '.', 1);
  g TEXT;
  l INTEGER;
  b TIMESTAMPTZ;
  left_sessions INTEGER;
  call_delta INTEGER;
  mos_h INTEGER[] := overview_hist(ARRAY[overview_mos_bucket(r.mos)], 41, sign);
  rtt_h INTEGER[] := overview_hist(ARRAY[overview_rtt_bucket(r.rtt_ms)], 101, sign);
  connect_h INTEGER[] := overview_hist(ARRAY[overview_connect_bucket(r.connect_ms)], 101, sign);
  issues_d JSONB := overview_issues_add('{}', r.issue_types, sign);
BEGIN
  FOREACH g IN ARRAY ARRAY['hour', 'day'] LOOP
    b := date_trunc(g, t, 'UTC');
    call_delta := 0;
    IF r.rtcstats_conference IS NOT NULL THEN
      INSERT INTO overview_call AS c (grain, bucket, conference, sessions)
        VALUES (g, b, r.rtcstats_conference, sign)
        ON CONFLICT (grain, bucket, conference) DO UPDATE SET sessions = c.sessions + EXCLUDED.sessions
        RETURNING sessions INTO left_sessions;
      IF sign > 0 AND left_sessions = 1 THEN call_delta := 1; END IF;
      IF sign < 0 AND left_sessions <= 0 THEN
        call_delta := -1;
        DELETE FROM overview_call WHERE grain = g AND bucket = b AND conference = r.rtcstats_conference;
      END IF;
    END IF;
    FOREACH l IN ARRAY overview_levels() LOOP
      INSERT INTO overview_rollup AS o (grain, level, bucket, browser, browser_major, os, client_protocol, sessions,
                                        calls, good, fair, poor, unknown, relay, tcp, ice_failed, gum_error,
                                        mos_hist, rtt_hist, connect_hist, issues)
        VALUES (g, l, b, overview_dim(l, 8, r.browser_name), overview_dim(l, 4, major), overview_dim(l, 2, r.os_name),
                overview_dim(l, 1, r.client_protocol), sign, call_delta,
                CASE WHEN r.quality = 'good' THEN sign ELSE 0 END,
                CASE WHEN r.quality = 'fair' THEN sign ELSE 0 END,
                CASE WHEN r.quality = 'poor' THEN sign ELSE 0 END,
                CASE WHEN r.quality IS DISTINCT FROM 'good' AND r.quality IS DISTINCT FROM 'fair'
                          AND r.quality IS DISTINCT FROM 'poor' THEN sign ELSE 0 END,
                CASE WHEN 'relay' = ANY(r.issue_types) THEN sign ELSE 0 END,
                CASE WHEN 'tcp' = ANY(r.issue_types) THEN sign ELSE 0 END,
                CASE WHEN 'ice-failure' = ANY(r.issue_types) THEN sign ELSE 0 END,
                CASE WHEN 'media-error' = ANY(r.issue_types) THEN sign ELSE 0 END,
                mos_h, rtt_h, connect_h, issues_d)
        ON CONFLICT (grain, level, bucket, browser, browser_major, os, client_protocol) DO UPDATE SET
          sessions = o.sessions + EXCLUDED.sessions, calls = o.calls + EXCLUDED.calls,
          good = o.good + EXCLUDED.good, fair = o.fair + EXCLUDED.fair, poor = o.poor + EXCLUDED.poor,
          unknown = o.unknown + EXCLUDED.unknown, relay = o.relay + EXCLUDED.relay, tcp = o.tcp + EXCLUDED.tcp,
          ice_failed = o.ice_failed + EXCLUDED.ice_failed, gum_error = o.gum_error + EXCLUDED.gum_error,
          mos_hist = overview_hist_add(o.mos_hist, EXCLUDED.mos_hist),
          rtt_hist = overview_hist_add(o.rtt_hist, EXCLUDED.rtt_hist),
          connect_hist = overview_hist_add(o.connect_hist, EXCLUDED.connect_hist),
          issues = overview_issues_add(o.issues, r.issue_types, sign);
    END LOOP;
  END LOOP;
END
$$;

-- The rollups built again from the counted rows, set-based (bulk loads: the benchmark seeds rows with the triggers
-- off, then calls this): one narrow row per counted session and grain first, then every level from it in one pass.
CREATE FUNCTION overview_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM overview_rollup;
  DELETE FROM overview_call;
  CREATE TEMP TABLE overview_rebuild_rows ON COMMIT DROP AS
    SELECT g.grain, date_trunc(g.grain, coalesce(r.first_event_at, r.session_start, r.created_at), 'UTC') AS bucket,
           r.browser_name AS browser, split_part(r.browser_version, '.', 1) AS major, r.os_name AS os,
           r.client_protocol AS protocol, r.id, r.rtcstats_conference AS conference, r.quality, r.issue_types,
           overview_mos_bucket(r.mos) AS mos_i, overview_rtt_bucket(r.rtt_ms) AS rtt_i,
           overview_connect_bucket(r.connect_ms) AS connect_i
      FROM "rtcstats-server" r CROSS JOIN (VALUES ('hour'), ('day')) AS g(grain)
     WHERE r.overview_counted;
  -- each conference's call goes to the rows of its first session in the bucket
  CREATE TEMP TABLE overview_rebuild_firsts ON COMMIT DROP AS
    SELECT DISTINCT ON (grain, bucket, conference) grain, bucket, conference, id
      FROM overview_rebuild_rows WHERE conference IS NOT NULL
     ORDER BY grain, bucket, conference, id;
  INSERT INTO overview_call (grain, bucket, conference, sessions)
    SELECT grain, bucket, conference, count(*) FROM overview_rebuild_rows WHERE conference IS NOT NULL GROUP BY 1, 2, 3;
  INSERT INTO overview_rollup (grain, level, bucket, browser, browser_major, os, client_protocol, sessions, calls, good,
                               fair, poor, unknown, relay, tcp, ice_failed, gum_error, mos_hist, rtt_hist, connect_hist,
                               issues)
    SELECT s.grain, l.level, s.bucket, overview_dim(l.level, 8, s.browser), overview_dim(l.level, 4, s.major),
           overview_dim(l.level, 2, s.os), overview_dim(l.level, 1, s.protocol), count(*)::int,
           count(f.id)::int,
           count(*) FILTER (WHERE s.quality = 'good')::int, count(*) FILTER (WHERE s.quality = 'fair')::int,
           count(*) FILTER (WHERE s.quality = 'poor')::int,
           count(*) FILTER (WHERE s.quality IS NULL OR s.quality NOT IN ('good', 'fair', 'poor'))::int,
           count(*) FILTER (WHERE 'relay' = ANY(s.issue_types))::int,
           count(*) FILTER (WHERE 'tcp' = ANY(s.issue_types))::int,
           count(*) FILTER (WHERE 'ice-failure' = ANY(s.issue_types))::int,
           count(*) FILTER (WHERE 'media-error' = ANY(s.issue_types))::int,
           overview_hist(array_agg(s.mos_i), 41), overview_hist(array_agg(s.rtt_i), 101),
           overview_hist(array_agg(s.connect_i), 101), '{}'
      FROM overview_rebuild_rows s
      LEFT JOIN overview_rebuild_firsts f ON f.id = s.id AND f.grain = s.grain
      CROSS JOIN unnest(overview_levels()) AS l(level)
     GROUP BY 1, 2, 3, 4, 5, 6, 7;
  UPDATE overview_rollup o SET issues = i.issues
    FROM (SELECT grain, level, bucket, browser, browser_major, os, client_protocol, jsonb_object_agg(t, n) AS issues
            FROM (SELECT s.grain, l.level, s.bucket, overview_dim(l.level, 8, s.browser) AS browser,
                         overview_dim(l.level, 4, s.major) AS browser_major, overview_dim(l.level, 2, s.os) AS os,
                         overview_dim(l.level, 1, s.protocol) AS client_protocol, t, count(*)::int AS n
                    FROM overview_rebuild_rows s
                    CROSS JOIN unnest(s.issue_types) AS t
                    CROSS JOIN unnest(overview_levels()) AS l(level)
                   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) AS x
           GROUP BY 1, 2, 3, 4, 5, 6, 7) AS i
   WHERE (o.grain, o.level, o.bucket, o.browser, o.browser_major, o.os, o.client_protocol)
       = (i.grain, i.level, i.bucket, i.browser, i.browser_major, i.os, i.client_protocol);
  DROP TABLE overview_rebuild_rows;
  DROP TABLE overview_rebuild_firsts;
END
$$;

-- Sessions already processed count from now on (without MOS, RTT and time to connect until processed
-- again), before the triggers exist: one rebuild instead of a trigger call per row.
UPDATE "rtcstats-server" SET overview_counted = true
 WHERE features_processing_stop IS NOT NULL AND processing_error IS NULL;
SELECT overview_rebuild();

CREATE FUNCTION overview_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.overview_counted THEN PERFORM overview_apply(OLD, -1); END IF;
  IF TG_OP = 'UPDATE' AND NEW.overview_counted THEN PERFORM overview_apply(NEW, 1); END IF;
  RETURN NULL;
END
$$;

-- Only when something the rollups read changes: live progress (counters, last message) fires nothing.
CREATE TRIGGER "rtcstats-server_overview_update" AFTER UPDATE ON "rtcstats-server" FOR EACH ROW
  WHEN ((OLD.overview_counted OR NEW.overview_counted) AND
        (OLD.overview_counted, OLD.quality, OLD.issue_types, OLD.mos, OLD.rtt_ms, OLD.connect_ms, OLD.browser_name,
         OLD.browser_version, OLD.os_name, OLD.client_protocol, OLD.rtcstats_conference,
         coalesce(OLD.first_event_at, OLD.session_start, OLD.created_at))
        IS DISTINCT FROM
        (NEW.overview_counted, NEW.quality, NEW.issue_types, NEW.mos, NEW.rtt_ms, NEW.connect_ms, NEW.browser_name,
         NEW.browser_version, NEW.os_name, NEW.client_protocol, NEW.rtcstats_conference,
         coalesce(NEW.first_event_at, NEW.session_start, NEW.created_at)))
  EXECUTE FUNCTION overview_track();
CREATE TRIGGER "rtcstats-server_overview_delete" AFTER DELETE ON "rtcstats-server" FOR EACH ROW
  WHEN (OLD.overview_counted)
  EXECUTE FUNCTION overview_track();
