-- test/clients/fixture.sql: the tables the client tests (test/clients/) read, in a fresh
-- database where CREATE EXTENSION funnel was done. Fixed times, so every value is known.
SET client_min_messages = warning;

-- stage history of five leads (the README's Funnel report example)
CREATE TABLE lead_history (id int, to_stage funnel.sales_stage, changed_at timestamptz);
INSERT INTO lead_history VALUES
  (1, 'lead', '2025-01-01 00:00+00'), (1, 'qualified',   '2025-01-03 00:00+00'),
  (1, 'proposal', '2025-01-08 00:00+00'), (1, 'closed_won', '2025-01-20 00:00+00'),
  (2, 'lead', '2025-01-02 00:00+00'), (2, 'qualified',   '2025-01-04 00:00+00'),
  (2, 'closed_lost', '2025-01-10 00:00+00'),
  (3, 'lead', '2025-01-02 00:00+00'), (3, 'proposal',    '2025-01-05 00:00+00'),
  (3, 'negotiation', '2025-01-09 00:00+00'), (3, 'closed_won', '2025-01-15 00:00+00'),
  (4, 'lead', '2025-01-05 00:00+00'), (4, 'closed_lost', '2025-01-06 00:00+00'),
  (5, 'lead', '2025-01-06 00:00+00'), (5, 'qualified',   '2025-01-07 00:00+00');

-- product events of one user
CREATE TABLE app_event (user_id int, event text, at timestamptz);
INSERT INTO app_event VALUES
  (1, 'visit', '2025-03-01 10:00+00'), (1, 'signup', '2025-03-01 10:10+00'),
  (1, 'trial', '2025-03-01 10:25+00'), (1, 'visit', '2025-03-03 09:00+00');

-- a tracked deal table: illegal moves are refused with SQLSTATE 23514
CREATE TABLE deal (id int PRIMARY KEY, stage funnel.sales_stage NOT NULL DEFAULT 'lead',
                   amount numeric(12,2), created_at timestamptz NOT NULL, closed_at timestamptz);
INSERT INTO deal VALUES (1, 'lead', 1000, '2025-01-01 00:00+00', NULL),
                        (2, 'lead', 2500, '2025-01-02 00:00+00', NULL);
SELECT funnel.track('deal', history_table => 'deal_history') IS NULL AS untracked \gset
UPDATE deal SET stage = 'closed_won', closed_at = '2025-02-01 00:00+00' WHERE id = 1;
