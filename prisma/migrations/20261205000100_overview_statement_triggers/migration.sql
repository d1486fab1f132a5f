-- The overview rollups kept per statement instead of per row (issue 13). The row trigger of 20261204000000_overview
-- made ~22 upserts of the same few hot rollup rows for every counted row: a batch of 100 live finals was 2,200
-- updates of one hour's rows, and concurrent batches queued on them while holding their sessions' row locks, which
-- held up the sessions' ends. Now each UPDATE or DELETE statement on "rtcstats-server" folds the contributions of
-- all its rows (old rows out, new rows in, as before) into one upsert per rollup row it touches, in key order.
--
-- Calls: a conference whose session count in a bucket goes from none to some adds a call to the rows of the
-- lowest-id session that came in; one going to none takes it from the rows of the lowest-id session that went out.

-- One row's contribution, signed (+1 in, -1 out).
CREATE TYPE overview_contribution AS (
    sign INTEGER,
    id BIGINT,
    t TIMESTAMPTZ,
    browser TEXT,
    major TEXT,
    os TEXT,
    protocol TEXT,
    conference TEXT,
    quality TEXT,
    issue_types TEXT[],
    mos_i INTEGER,
    rtt_i INTEGER,
    connect_i INTEGER
);

-- A row's contribution from its columns (transition tables' rows are anonymous records, so columns, not the row).
CREATE FUNCTION overview_contribution_of(sign INTEGER, id BIGINT, first_event_at TIMESTAMPTZ,
                                         session_start TIMESTAMPTZ, created_at TIMESTAMPTZ, browser_name TEXT,
                                         browser_version TEXT, os_name TEXT, client_protocol TEXT, conference TEXT,
                                         quality TEXT, issue_types TEXT[], mos DOUBLE PRECISION,
                                         rtt_ms DOUBLE PRECISION, connect_ms INTEGER)
RETURNS overview_contribution LANGUAGE sql IMMUTABLE AS $$
  SELECT ROW(sign, id, coalesce(first_event_at, session_start, created_at), browser_name,
             split_part(browser_version, '.', 1), os_name, client_protocol, conference, quality, issue_types,
             overview_mos_bucket(mos), overview_rtt_bucket(rtt_ms), overview_connect_bucket(connect_ms)
            )::overview_contribution
$$;

-- A histogram of n buckets from signed bucket numbers (-i takes one out of bucket i; nulls ignored).
CREATE FUNCTION overview_hist_signed(idx INTEGER[], n INTEGER) RETURNS INTEGER[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(coalesce(c, 0) ORDER BY g)
    FROM generate_series(1, n) AS g
    LEFT JOIN (SELECT abs(i) AS i, sum(sign(i))::int AS c FROM unnest(idx) AS i WHERE i IS NOT NULL GROUP BY 1) AS h
      ON h.i = g
$$;

-- Two maps of sessions per issue type added, zero counts dropped.
CREATE FUNCTION overview_issues_merge(a JSONB, b JSONB) RETURNS JSONB LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(k, n), '{}')
    FROM (SELECT k, sum(n)::int AS n
            FROM (SELECT key AS k, value::int AS n FROM jsonb_each_text(a)
                  UNION ALL SELECT key, value::int FROM jsonb_each_text(b)) AS e
           GROUP BY k HAVING sum(n) <> 0) AS s
$$;

-- Folds a statement's contributions into the rollups in one statement: the conferences' session counts first (their
-- new counts say which rows gain or lose a call), then every rollup row once, in key order (concurrent statements
-- lock them in the same order); then the conferences left without a session go.
CREATE FUNCTION overview_fold(cs overview_contribution[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cs IS NULL OR cardinality(cs) = 0 THEN RETURN; END IF;
  WITH c AS (
    SELECT g.grain, date_trunc(g.grain, x.t, 'UTC') AS bucket, x.*
      FROM unnest(cs) AS x CROSS JOIN (VALUES ('hour'), ('day')) AS g(grain)
  ), deltas AS (
    SELECT grain, bucket, conference, sum(sign)::int AS d,
           min(id) FILTER (WHERE sign > 0) AS first_in, min(id) FILTER (WHERE sign < 0) AS first_out
      FROM c WHERE conference IS NOT NULL
     GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
  ), upserted AS (
    INSERT INTO overview_call AS oc (grain, bucket, conference, sessions)
      SELECT grain, bucket, conference, d FROM deltas ORDER BY 1, 2, 3
      ON CONFLICT (grain, bucket, conference) DO UPDATE SET sessions = oc.sessions + EXCLUDED.sessions
      RETURNING grain, bucket, conference, sessions
  ), moves AS (
    SELECT u.grain, u.bucket, u.conference, d.first_in, d.first_out,
           CASE WHEN u.sessions - d.d <= 0 AND u.sessions > 0 THEN 1
                WHEN u.sessions - d.d > 0 AND u.sessions <= 0 THEN -1 ELSE 0 END AS move
      FROM upserted u JOIN deltas d USING (grain, bucket, conference)
  ), r AS (
    SELECT c.*, l.level,
           CASE WHEN m.move = 1 AND c.sign > 0 AND c.id = m.first_in THEN 1
                WHEN m.move = -1 AND c.sign < 0 AND c.id = m.first_out THEN -1 ELSE 0 END AS call_delta,
           overview_dim(l.level, 8, c.browser) AS k_browser, overview_dim(l.level, 4, c.major) AS k_major,
           overview_dim(l.level, 2, c.os) AS k_os, overview_dim(l.level, 1, c.protocol) AS k_protocol
      FROM c
      LEFT JOIN moves m ON m.grain = c.grain AND m.bucket = c.bucket AND m.conference = c.conference
     CROSS JOIN unnest(overview_levels()) AS l(level)
  ), issues AS (
    SELECT grain, level, bucket, k_browser, k_major, k_os, k_protocol, jsonb_object_agg(issue, n) AS issues
      FROM (SELECT grain, level, bucket, k_browser, k_major, k_os, k_protocol, it.issue, sum(sign)::int AS n
              FROM r CROSS JOIN unnest(r.issue_types) AS it(issue)
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(sign) <> 0) AS x
     GROUP BY 1, 2, 3, 4, 5, 6, 7
  ), agg AS (
    SELECT grain, level, bucket, k_browser, k_major, k_os, k_protocol,
           sum(sign)::int AS sessions, sum(call_delta)::int AS calls,
           coalesce(sum(sign) FILTER (WHERE quality = 'good'), 0)::int AS good,
           coalesce(sum(sign) FILTER (WHERE quality = 'fair'), 0)::int AS fair,
           coalesce(sum(sign) FILTER (WHERE quality = 'poor'), 0)::int AS poor,
           coalesce(sum(sign) FILTER (WHERE quality IS DISTINCT FROM 'good' AND quality IS DISTINCT FROM 'fair'
                                            AND quality IS DISTINCT FROM 'poor'), 0)::int AS unknown,
           coalesce(sum(sign) FILTER (WHERE 'relay' = ANY(issue_types)), 0)::int AS relay,
           coalesce(sum(sign) FILTER (WHERE 'tcp' = ANY(issue_types)), 0)::int AS tcp,
           coalesce(sum(sign) FILTER (WHERE 'ice-failure' = ANY(issue_types)), 0)::int AS ice_failed,
           coalesce(sum(sign) FILTER (WHERE 'media-error' = ANY(issue_types)), 0)::int AS gum_error,
           overview_hist_signed(array_agg(mos_i * sign), 41) AS mos_hist,
           overview_hist_signed(array_agg(rtt_i * sign), 101) AS rtt_hist,
           overview_hist_signed(array_agg(connect_i * sign), 101) AS connect_hist
      FROM r
     GROUP BY 1, 2, 3, 4, 5, 6, 7
  )
  INSERT INTO overview_rollup AS o (grain, level, bucket, browser, browser_major, os, client_protocol, sessions, calls,
                                    good, fair, poor, unknown, relay, tcp, ice_failed, gum_error, mos_hist, rtt_hist,
                                    connect_hist, issues)
    SELECT a.grain, a.level, a.bucket, a.k_browser, a.k_major, a.k_os, a.k_protocol, a.sessions, a.calls, a.good,
           a.fair, a.poor, a.unknown, a.relay, a.tcp, a.ice_failed, a.gum_error, a.mos_hist, a.rtt_hist,
           a.connect_hist, coalesce(i.issues, '{}')
      FROM agg a
      LEFT JOIN issues i USING (grain, level, bucket, k_browser, k_major, k_os, k_protocol)
     ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (grain, level, bucket, browser, browser_major, os, client_protocol) DO UPDATE SET
      sessions = o.sessions + EXCLUDED.sessions, calls = o.calls + EXCLUDED.calls,
      good = o.good + EXCLUDED.good, fair = o.fair + EXCLUDED.fair, poor = o.poor + EXCLUDED.poor,
      unknown = o.unknown + EXCLUDED.unknown, relay = o.relay + EXCLUDED.relay, tcp = o.tcp + EXCLUDED.tcp,
      ice_failed = o.ice_failed + EXCLUDED.ice_failed, gum_error = o.gum_error + EXCLUDED.gum_error,
      mos_hist = overview_hist_add(o.mos_hist, EXCLUDED.mos_hist),
      rtt_hist = overview_hist_add(o.rtt_hist, EXCLUDED.rtt_hist),
      connect_hist = overview_hist_add(o.connect_hist, EXCLUDED.connect_hist),
      issues = overview_issues_merge(o.issues, EXCLUDED.issues);

  DELETE FROM overview_call o
   USING (SELECT DISTINCT g.grain, date_trunc(g.grain, x.t, 'UTC') AS bucket, x.conference
            FROM unnest(cs) AS x CROSS JOIN (VALUES ('hour'), ('day')) AS g(grain)
           WHERE x.conference IS NOT NULL AND x.sign < 0) AS k
   WHERE o.grain = k.grain AND o.bucket = k.bucket AND o.conference = k.conference AND o.sessions <= 0;
END
$$;

-- An UPDATE statement: the rows whose counted state or whatever the rollups read changed, old out and new in.
-- Live progress (thousands of uncounted rows a second) leaves at the first check.
CREATE FUNCTION overview_track_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_rows WHERE overview_counted)
     AND NOT EXISTS (SELECT 1 FROM old_rows WHERE overview_counted) THEN
    RETURN NULL;
  END IF;
  PERFORM overview_fold(ARRAY(
    SELECT overview_contribution_of(x.sign, x.id, x.first_event_at, x.session_start, x.created_at, x.browser_name,
                                    x.browser_version, x.os_name, x.client_protocol, x.rtcstats_conference,
                                    x.quality, x.issue_types, x.mos, x.rtt_ms, x.connect_ms)
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     CROSS JOIN LATERAL (VALUES
       (-1, o.overview_counted, o.id, o.first_event_at, o.session_start, o.created_at, o.browser_name,
        o.browser_version, o.os_name, o.client_protocol, o.rtcstats_conference, o.quality, o.issue_types, o.mos,
        o.rtt_ms, o.connect_ms),
       (1, n.overview_counted, n.id, n.first_event_at, n.session_start, n.created_at, n.browser_name,
        n.browser_version, n.os_name, n.client_protocol, n.rtcstats_conference, n.quality, n.issue_types, n.mos,
        n.rtt_ms, n.connect_ms))
       AS x(sign, counted, id, first_event_at, session_start, created_at, browser_name, browser_version, os_name,
            client_protocol, rtcstats_conference, quality, issue_types, mos, rtt_ms, connect_ms)
     WHERE x.counted
       AND (o.overview_counted, o.quality, o.issue_types, o.mos, o.rtt_ms, o.connect_ms, o.browser_name,
            o.browser_version, o.os_name, o.client_protocol, o.rtcstats_conference,
            coalesce(o.first_event_at, o.session_start, o.created_at))
           IS DISTINCT FROM
           (n.overview_counted, n.quality, n.issue_types, n.mos, n.rtt_ms, n.connect_ms, n.browser_name,
            n.browser_version, n.os_name, n.client_protocol, n.rtcstats_conference,
            coalesce(n.first_event_at, n.session_start, n.created_at))));
  RETURN NULL;
END
$$;

CREATE FUNCTION overview_track_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM overview_fold(ARRAY(
    SELECT overview_contribution_of(-1, o.id, o.first_event_at, o.session_start, o.created_at, o.browser_name,
                                    o.browser_version, o.os_name, o.client_protocol, o.rtcstats_conference,
                                    o.quality, o.issue_types, o.mos, o.rtt_ms, o.connect_ms)
      FROM old_rows o WHERE o.overview_counted));
  RETURN NULL;
END
$$;

DROP TRIGGER "rtcstats-server_overview_update" ON "rtcstats-server";
DROP TRIGGER "rtcstats-server_overview_delete" ON "rtcstats-server";
DROP FUNCTION overview_track();
DROP FUNCTION overview_apply("rtcstats-server", INTEGER);

CREATE TRIGGER "rtcstats-server_overview_update" AFTER UPDATE ON "rtcstats-server"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION overview_track_update();
CREATE TRIGGER "rtcstats-server_overview_delete" AFTER DELETE ON "rtcstats-server"
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION overview_track_delete();
