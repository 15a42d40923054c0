-- test/bench/events.sql: the event stream of test/bench/events.sh (issue 7, "Speed").
-- psql -v users=N -f test/bench/events.sql: tables events (in time order) and
-- events_by_user (the same rows in (user_id, ts) order), about 10 rows per user.
--
-- Each user has 2 to 18 events (uniform, 10 on average), of 8 types:
--   the funnel   visit -> signup -> trial -> purchase, one session per user: the
--                visit at a second uniform over the 30 days from 2025-03-01
--                (minus 2 hours), each next step reached with probability 1/2
--                (depth 1, 2, 3, 4 with 1/2, 1/4, 1/8, 1/8), each step 1 s plus an
--                exponential time (mean 10 minutes) after the previous one, so
--                about 6% of the 4-step sessions end outside a 1-hour window;
--   the rest     pageview 35%, search 20%, pricing 15%, support 10%, and the
--                funnel's own types out of order: visit 12% (restarts), signup 5%,
--                trial 2%, purchase 1%; 60% of them in the session (from 30
--                minutes before its visit to 2.5 hours after), 40% at a second
--                uniform over the 30 days.
-- Times are whole seconds (ClickHouse's DateTime holds the same values); one
-- user's events may share a second (rare).  Reproducible: setseed, one process
-- (no parallel plan may evaluate random()).
--
-- events is stored in time order, as an appended event log is: the rows of one
-- user are scattered over the whole table.  events_by_user is the copy a
-- clustered table (CLUSTER, or ClickHouse's ORDER BY (user_id, ts)) would give.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.0707);

CREATE TABLE events (
    user_id integer     NOT NULL,
    event   text        NOT NULL,
    ts      timestamptz NOT NULL
);

INSERT INTO events
SELECT user_id, event, timestamptz '2025-03-01 00:00:00+00' + s * interval '1 second' AS ts
FROM (
    SELECT user_id,
           CASE WHEN i <= depth THEN (ARRAY['visit', 'signup', 'trial', 'purchase'])[i]
                WHEN r_type < 0.35 THEN 'pageview' WHEN r_type < 0.55 THEN 'search'
                WHEN r_type < 0.70 THEN 'pricing'  WHEN r_type < 0.80 THEN 'support'
                WHEN r_type < 0.92 THEN 'visit'    WHEN r_type < 0.97 THEN 'signup'
                WHEN r_type < 0.99 THEN 'trial'    ELSE 'purchase'
           END AS event,
           CASE WHEN i <= depth THEN t0 + (ARRAY[0, g2, g2 + g3, g2 + g3 + g4])[i]
                WHEN r_where < 0.6 THEN greatest(0, t0 - 1800 + floor(r_time * 10800)::int)
                ELSE floor(r_time * (30 * 86400))::int
           END AS s
    FROM (   -- one row per event: its draws (a subquery with random() is not flattened)
        SELECT u.*, i, random() AS r_type, random() AS r_where, random() AS r_time
        FROM (   -- one row per user: the session, its depth and gaps (s), the number of events
            SELECT g AS user_id,
                   floor(a * (30 * 86400 - 7200))::int AS t0,
                   CASE WHEN d < 0.5 THEN 1 WHEN d < 0.75 THEN 2 WHEN d < 0.875 THEN 3 ELSE 4 END AS depth,
                   1 + floor(-600 * ln(1 - b2))::int AS g2,
                   1 + floor(-600 * ln(1 - b3))::int AS g3,
                   1 + floor(-600 * ln(1 - b4))::int AS g4,
                   2 + floor(c * 17)::int AS n
            FROM (SELECT g, random() AS a, random() AS d, random() AS b2, random() AS b3,
                         random() AS b4, random() AS c
                  FROM generate_series(1, :users) g) draws
        ) u,
        generate_series(1, greatest(u.n, u.depth)) i
    ) ev
) e
ORDER BY ts, user_id, event;

CREATE TABLE events_by_user AS SELECT * FROM events ORDER BY user_id, ts, event;

VACUUM ANALYZE events;
VACUUM ANALYZE events_by_user;
