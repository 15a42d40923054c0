-- test/data/sample_crm.sql: a generated sample CRM for `make demo` (deterministic: setseed).
-- Run it in a database where CREATE EXTENSION funnel was done.
--
-- 3,000 deals of a B2B company over 2025, on the shipped funnel.sales_stage, each with its
-- stage history: every deal enters as a lead and moves forward stage by stage until it is
-- won, lost, or still open on 2025-12-31 (the "as of" date of the sample).
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE TABLE rep (
    rep_id   int PRIMARY KEY,
    name     text NOT NULL,
    team     text NOT NULL
);
INSERT INTO rep VALUES
    (1, 'Ana Souza', 'East'), (2, 'Ben Okafor', 'East'), (3, 'Chloe Martin', 'East'),
    (4, 'Dev Patel', 'West'), (5, 'Eva Novak', 'West'), (6, 'Farid Haddad', 'West'),
    (7, 'Grace Lee', 'Central'), (8, 'Hugo Lind', 'Central');

CREATE TABLE deal (
    id          bigint PRIMARY KEY,
    account     text NOT NULL,
    segment     text NOT NULL,
    source      text NOT NULL,
    rep_id      int NOT NULL REFERENCES rep,
    amount      numeric(12,2),
    stage       funnel.sales_stage NOT NULL DEFAULT 'lead',
    created_at  timestamptz NOT NULL,
    stage_changed_at timestamptz,
    closed_at   timestamptz
);

-- the history table in the shape funnel.track() uses: (key, from_stage, to_stage, changed_at, changed_by)
CREATE TABLE deal_stage_history (
    id          bigint NOT NULL,
    from_stage  funnel.sales_stage,
    to_stage    funnel.sales_stage NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  name NOT NULL DEFAULT CURRENT_USER
);

DO $$
DECLARE
    segs    text[] := '{SMB,Mid-Market,Enterprise}';
    srcs    text[] := '{inbound,outbound,partner,event}';
    -- chance of moving on from each open stage, by segment (SMB moves fastest)
    adv     float8[] := '{0.58,0.78,0.82,0.62}';
    as_of   timestamptz := '2025-12-31';
    i       int;
    seg     int;
    t       timestamptz;
    st      funnel.sales_stage;
    nxt     funnel.sales_stage;
    stage_no int;
    amt     numeric;
BEGIN
    PERFORM setseed(0.42);
    FOR i IN 1..3000 LOOP
        seg := 1 + floor(random() * 3)::int;
        t := timestamptz '2025-01-01' + random() * interval '365 days';
        amt := round((CASE seg WHEN 1 THEN 4000 WHEN 2 THEN 18000 ELSE 65000 END
                      * exp(random() - 0.5))::numeric, -2);
        INSERT INTO deal (id, account, segment, source, rep_id, amount, stage, created_at, stage_changed_at)
        VALUES (i, format('Account %s', 1 + (i * 7919) % 1200), segs[seg],
                srcs[1 + floor(random() * 4)::int], 1 + floor(random() * 8)::int,
                CASE WHEN random() < 0.03 THEN NULL ELSE amt END, 'lead', t, t);
        INSERT INTO deal_stage_history VALUES (i, NULL, 'lead', t, 'crm_import');
        st := 'lead';
        stage_no := 1;
        LOOP
            -- time spent in the stage: a few days, longer for bigger deals
            t := t + (1 + random() * 6 * seg + random() * 10) * interval '1 day';
            EXIT WHEN t > as_of;                  -- still open at the as-of date
            IF random() < adv[stage_no] * (1.05 - 0.05 * seg) THEN
                nxt := CASE stage_no WHEN 1 THEN 'qualified' WHEN 2 THEN 'proposal'
                                     WHEN 3 THEN 'negotiation' ELSE 'closed_won' END;
            ELSE
                nxt := 'closed_lost';
            END IF;
            UPDATE deal SET stage = nxt, stage_changed_at = t,
                            closed_at = CASE WHEN funnel.is_closed(nxt) THEN t END
            WHERE id = i;
            INSERT INTO deal_stage_history VALUES (i, st, nxt, t, 'crm_import');
            st := nxt;
            EXIT WHEN funnel.is_closed(st);
            stage_no := stage_no + 1;
        END LOOP;
    END LOOP;
END
$$;

CREATE INDEX ON deal_stage_history (id, changed_at);

-- From now on the database keeps the pipeline honest: illegal moves are refused, every
-- stage change is stamped and recorded (the imported history above is kept as it is).
SELECT funnel.track('deal', history_table => 'deal_stage_history', stamp_column => 'stage_changed_at') \gset
ANALYZE rep, deal, deal_stage_history;
