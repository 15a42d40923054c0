--
-- evolving_funnels: states stored before a funnel changed (a stage added in
-- the middle, first, before an outcome; a stage renamed) combine with newer
-- ones into exactly what one pass over the history gives under the current
-- definition -- or a clear error, never a silent wrong figure.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
RESET client_min_messages;
SET TimeZone = 'UTC';

CREATE SCHEMA evo;
SET search_path = evo, public;

SELECT funnel.create_funnel('evo.st', '{a,b,c}', won => '{w}', lost => '{l}');

-- the history: (entity, stage, time); days 1 and 2 are summarized separately
CREATE TABLE hist (id int, stage st, at timestamptz, day int);
INSERT INTO hist
SELECT e, s::st, timestamptz '2024-01-01' + (e || ' hours')::interval + (k || ' minutes')::interval, 1
FROM generate_series(1, 60) e,
     LATERAL (SELECT k, s FROM unnest(CASE e % 6
                    WHEN 0 THEN '{a,b,c,w}'::text[]
                    WHEN 1 THEN '{a,b}'::text[]
                    WHEN 2 THEN '{a,c,l}'::text[]
                    WHEN 3 THEN '{a,b,c}'::text[]
                    WHEN 4 THEN '{b,c,w}'::text[]
                    ELSE '{a,l}'::text[] END) WITH ORDINALITY u(s, k)) x;

-- day 1's summary, pipeline and journeys, stored as text and as values
CREATE TABLE stored (day int, s funnel.summary, stext text);
INSERT INTO stored
SELECT 1, funnel.summary(j), funnel.summary(j)::text
FROM (SELECT funnel.journey(stage, at) j FROM hist WHERE day = 1 GROUP BY id) x;
CREATE TABLE stored_j (id int, j funnel.journey);
INSERT INTO stored_j SELECT id, funnel.journey(stage, at) FROM hist WHERE day = 1 GROUP BY id;

-- The reference: one pass over the whole history under the current definition
CREATE FUNCTION check_all(label text) RETURNS TABLE (what text, policy text, differing_rows bigint)
LANGUAGE sql AS $$
    WITH one AS (SELECT funnel.summary(j) s
                 FROM (SELECT funnel.journey(stage, at) j FROM evo.hist GROUP BY id) x),
         rolled AS (SELECT funnel.rollup(s) s FROM evo.stored),
         rolled_text AS (SELECT funnel.rollup(stext::funnel.summary) s FROM evo.stored),
         jrn AS (SELECT funnel.summary(j) s FROM (
                    SELECT funnel.journey(h.stage, h.at) j FROM evo.hist h WHERE h.day > 1 GROUP BY h.id
                    UNION ALL SELECT j FROM evo.stored_j) y),
         pol(p) AS (VALUES ('linear'), ('entered'), ('strict'))
    SELECT label || ': rollup of stored values', p,
           (SELECT count(*) FROM ((SELECT * FROM funnel.stage_report((SELECT s FROM rolled), p)
                                   EXCEPT ALL SELECT * FROM funnel.stage_report((SELECT s FROM one), p))
                                  UNION ALL
                                  (SELECT * FROM funnel.stage_report((SELECT s FROM one), p)
                                   EXCEPT ALL SELECT * FROM funnel.stage_report((SELECT s FROM rolled), p))) d)
    FROM pol
    UNION ALL
    SELECT label || ': rollup of stored text', p,
           (SELECT count(*) FROM ((SELECT * FROM funnel.stage_report((SELECT s FROM rolled_text), p)
                                   EXCEPT ALL SELECT * FROM funnel.stage_report((SELECT s FROM one), p))
                                  UNION ALL
                                  (SELECT * FROM funnel.stage_report((SELECT s FROM one), p)
                                   EXCEPT ALL SELECT * FROM funnel.stage_report((SELECT s FROM rolled_text), p))) d)
    FROM pol
    UNION ALL
    SELECT label || ': summary of stored journeys', p,
           (SELECT count(*) FROM ((SELECT * FROM funnel.stage_report((SELECT s FROM jrn), p)
                                   EXCEPT ALL SELECT * FROM funnel.stage_report((SELECT s FROM one), p))
                                  UNION ALL
                                  (SELECT * FROM funnel.stage_report((SELECT s FROM one), p)
                                   EXCEPT ALL SELECT * FROM funnel.stage_report((SELECT s FROM jrn), p))) d)
    FROM pol
$$;

SELECT * FROM check_all('before any change');

-- 1. A stage added in the middle (the tutorial's ALTER TYPE ... ADD VALUE)
ALTER TYPE st ADD VALUE 'b2' AFTER 'b';
INSERT INTO hist
SELECT 100 + e, s::st, timestamptz '2024-01-02' + (e || ' hours')::interval + (k || ' minutes')::interval, 2
FROM generate_series(1, 30) e,
     LATERAL (SELECT k, s FROM unnest(CASE e % 3
                    WHEN 0 THEN '{a,b,b2,c,w}'::text[]
                    WHEN 1 THEN '{a,b2,l}'::text[]
                    ELSE '{a,b,c}'::text[] END) WITH ORDINALITY u(s, k)) x;
INSERT INTO stored
SELECT 2, funnel.summary(j), funnel.summary(j)::text
FROM (SELECT funnel.journey(stage, at) j FROM hist WHERE day = 2 GROUP BY id) x;
-- the figures of the issue: conversion into c after b2 is 1 in one pass
SELECT r.stage, r.reached, r.conversion_from_previous, r.drop_off
FROM funnel.stage_report((SELECT funnel.rollup(s) FROM stored), 'linear') r;
SELECT funnel.conversion_rate((SELECT funnel.rollup(s) FROM stored), 'b2'::st, 'c'::st) AS b2_to_c;
SELECT * FROM check_all('b2 added after b');

-- 2. A stage added first, and one before an outcome
ALTER TYPE st ADD VALUE 'z' BEFORE 'a';
ALTER TYPE st ADD VALUE 'd' BEFORE 'w';
INSERT INTO hist
SELECT 200 + e, s::st, timestamptz '2024-01-03' + (e || ' hours')::interval + (k || ' minutes')::interval, 3
FROM generate_series(1, 24) e,
     LATERAL (SELECT k, s FROM unnest(CASE e % 4
                    WHEN 0 THEN '{z,a,b,b2,c,d,w}'::text[]
                    WHEN 1 THEN '{z,a,b,c}'::text[]
                    WHEN 2 THEN '{a,b,b2,c,d}'::text[]
                    ELSE '{z,l}'::text[] END) WITH ORDINALITY u(s, k)) x;
INSERT INTO stored
SELECT 3, funnel.summary(j), funnel.summary(j)::text
FROM (SELECT funnel.journey(stage, at) j FROM hist WHERE day = 3 GROUP BY id) x;
SELECT * FROM check_all('z first, d before w');
SELECT r.stage, r.reached, r.entered, r.conversion_from_previous, r.drop_off
FROM funnel.stage_report((SELECT funnel.rollup(s) FROM stored), 'strict') r;

-- 3. Renamed stages (a plain RENAME VALUE and funnel.rename_stage)
ALTER TYPE st RENAME VALUE 'b2' TO 'b_two';
SELECT funnel.rename_stage('c'::st, 'closing');
-- stored values follow the labels (they keep label OIDs); a text kept in a
-- text column names the old labels and is taken again from the values
UPDATE stored SET stext = s::text;
SELECT * FROM check_all('renamed');
SELECT stage FROM funnel.stage_report((SELECT funnel.rollup(stext::funnel.summary) FROM stored), 'linear');

-- 4. An added label that is an outcome: old states have no entity there
ALTER TYPE st ADD VALUE 'w2' AFTER 'w';
SELECT funnel.set_stage('w2'::st, probability => 1);
SELECT * FROM check_all('w2 added (open)');

-- 4b. Pipelines: a pipeline stored before stages were added rolls up with
--     today's into what one pass gives (per-stage figures keyed by label)
CREATE TABLE deals (id int, stage st, amount numeric, created timestamptz, closed timestamptz, day int);
ALTER TYPE st ADD VALUE 'p_old' BEFORE 'w';
INSERT INTO deals
SELECT g, (ARRAY['a','b','closing','w','l'])[1 + g % 5]::st, g * 10,
       timestamptz '2024-01-01' + g * interval '1 day',
       CASE WHEN g % 5 >= 3 THEN timestamptz '2024-03-01' + g * interval '1 hour' END, 1
FROM generate_series(1, 50) g;
SELECT funnel.set_stage('a'::st, probability => 0.1);
SELECT funnel.set_stage('closing'::st, probability => 0.8);
CREATE TABLE stored_p AS SELECT 1 AS day, funnel.pipeline(stage, amount, created, closed) p FROM deals;
ALTER TYPE st ADD VALUE 'p_new' AFTER 'a';
SELECT funnel.set_stage('p_new'::st, probability => 0.3);
INSERT INTO deals
SELECT 100 + g, (ARRAY['a','p_new','closing','w','l'])[1 + g % 5]::st, g * 7,
       timestamptz '2024-02-01' + g * interval '1 day',
       CASE WHEN g % 5 >= 3 THEN timestamptz '2024-04-01' + g * interval '1 hour' END, 2
FROM generate_series(1, 40) g;
INSERT INTO stored_p SELECT 2, funnel.pipeline(stage, amount, created, closed) FROM deals WHERE day = 2;
SELECT w, funnel.deal_count(p), funnel.won_count(p), funnel.open_count(p), funnel.open_value(p),
       funnel.weighted_value(p), funnel.win_rate(p), funnel.avg_cycle_length(p)
FROM (SELECT 'rollup' AS w, funnel.rollup(p) p FROM stored_p
      UNION ALL SELECT 'rollup of text', funnel.rollup(p::text::funnel.pipeline) FROM stored_p
      UNION ALL SELECT 'one pass', funnel.pipeline(stage, amount, created, closed) FROM deals) x;

-- 5. A stored value made under a definition that cannot be mapped onto the
--    current one (an old stage changed its outcome) is a clear error.
UPDATE stored SET stext = replace(stext, '{"stage":"a","outcome":"open"}', '{"stage":"a","outcome":"won"}')
WHERE day = 1 RETURNING day, stext LIKE '%"stage":"a","outcome":"won"%' AS changed;
SELECT funnel.rollup(stext::funnel.summary) FROM stored;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA evo CASCADE;
RESET client_min_messages;
