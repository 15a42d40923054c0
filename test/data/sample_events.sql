-- sample_events.sql: product analytics events for the demo (generated, seeded).
-- 20,000 users arriving over March 2025 from three campaigns; each visits, and
-- may sign up, start a trial and purchase, with pauses of minutes to hours
-- between steps, pages viewed in between, and some users coming back later.
SELECT setseed(0.42) \gset
CREATE TABLE app_event (user_id int, campaign text, event text, at timestamptz);
WITH users AS (
    SELECT u, (ARRAY['newsletter', 'search', 'social'])[1 + (u % 3)] AS campaign,
           timestamptz '2025-03-01 00:00+00' + random() * interval '30 days' AS t0,
           random() AS r1, random() AS r2, random() AS r3,
           random() AS g1, random() AS g2, random() AS g3
    FROM generate_series(1, 20000) u
), steps AS (
    SELECT u, campaign, 'visit' AS event, t0 AS at FROM users
    UNION ALL
    SELECT u, campaign, 'signup', t0 + g1 * interval '50 minutes' FROM users
    WHERE r1 < CASE campaign WHEN 'search' THEN 0.55 WHEN 'newsletter' THEN 0.45 ELSE 0.35 END
    UNION ALL
    SELECT u, campaign, 'trial', t0 + g1 * interval '50 minutes' + g2 * interval '40 minutes' FROM users
    WHERE r1 < CASE campaign WHEN 'search' THEN 0.55 WHEN 'newsletter' THEN 0.45 ELSE 0.35 END
      AND r2 < 0.6
    UNION ALL
    SELECT u, campaign, 'purchase', t0 + g1 * interval '50 minutes' + g2 * interval '40 minutes' + g3 * interval '45 minutes'
    FROM users
    WHERE r1 < CASE campaign WHEN 'search' THEN 0.55 WHEN 'newsletter' THEN 0.45 ELSE 0.35 END
      AND r2 < 0.6 AND r3 < 0.5
), noise AS (
    SELECT u, campaign, (ARRAY['pricing', 'docs', 'blog'])[1 + (k % 3)] AS event,
           t0 + random() * interval '2 days' AS at
    FROM users, generate_series(1, 3) k WHERE random() < 0.4
)
INSERT INTO app_event SELECT * FROM steps UNION ALL SELECT * FROM noise ORDER BY at;
ANALYZE app_event;
