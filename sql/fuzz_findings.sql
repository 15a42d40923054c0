-- fuzz_findings.sql: bugs the fuzz harnesses (test/fuzz/) found, one test each,
-- written before the fix.  Binary input goes through COPY ... FROM a file WITH
-- (FORMAT binary), which calls the type's receive function.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';

\i sql/_helpers.sql
-- COPY one binary field into table tbl: 'ok' or 'SQLSTATE: message' (OIDs as N)
CREATE FUNCTION pg_temp.recv(field bytea, tbl text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    BEGIN
        EXECUTE format('DELETE FROM %I', tbl);
        EXECUTE format('COPY %I FROM %L WITH (FORMAT binary)', tbl, pg_temp.copy_path());
        RETURN 'ok';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RETURN st || ': ' || regexp_replace(msg, '\d{5,}', 'N', 'g');
    END;
END
$$;
CREATE TEMP TABLE ff_pipeline (p funnel.pipeline);
CREATE TEMP TABLE ff_summary (s funnel.summary);

-- 1. summary_recv accepted a summary without stages whose type OID names no type;
--    printing it then failed (42704), so a dump of it could not be restored.
--    Binary (the OID form, which recv still reads; summary_send writes the portable
--    form, whose body is that form from byte 8 on for a value without a type):
--    u8 version | u32 type OID | ...; here the OID of no type.
SELECT pg_temp.recv(overlay(substring(funnel.summary_send(
    '{"version":1,"type":null,"entities":0,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}') FROM 8)
    PLACING int4send(123456789) FROM 2 FOR 4), 'ff_summary') AS bogus_type;
-- the OID of a type that is no enum (int4), and of the funnel's own enum (accepted)
SELECT pg_temp.recv(overlay(substring(funnel.summary_send(
    '{"version":1,"type":null,"entities":0,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}') FROM 8)
    PLACING int4send(23) FROM 2 FOR 4), 'ff_summary') AS int4_type;
SELECT pg_temp.recv(funnel.summary_send(
    '{"version":1,"type":"funnel.sales_stage","entities":0,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}'),
    'ff_summary') AS enum_type;
SELECT s::text::jsonb->>'type' AS type FROM ff_summary;

-- 2. pipeline_recv kept any NaN bit pattern as "no quantile" (p): the value printed
--    as the canonical one ("p":null) but kept other bytes, so recv(send(v)) and
--    in(out(v)) disagreed.  Binary: u8 version | u32 type | f64 p (bytes 6-13 of the
--    OID form; bytes 13-20 of pipeline_send's portable form of a value without a type).
SELECT pg_temp.recv(overlay(substring(funnel.pipeline_send(
    '{"version":1,"type":null,"p":null,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}') FROM 8)
    PLACING '\x7ff8000000000001'::bytea FROM 6 FOR 8), 'ff_pipeline') AS nan_payload;
SELECT substring(funnel.pipeline_send(p) FROM 13 FOR 8) AS p_bytes,
       funnel.pipeline_send(p) = funnel.pipeline_send(p::text::funnel.pipeline) AS same_as_text
FROM ff_pipeline;

-- 3. A negative fixed-point sum was read back with a left shift of a negative value
--    (undefined behaviour; `make test-sanitize` reports it, a plain build does not).
SELECT funnel.avg_deal_size(p), funnel.deal_count(p)
FROM (SELECT '{"version":1,"type":"funnel.sales_stage","p":null,"stages":[["closed_won",2,"2:-7.5"]],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":2,"values":[-5,-2.5]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}'::funnel.pipeline p) x;
SELECT pg_temp.recv(funnel.pipeline_send(funnel.pipeline(s, a, NULL, NULL)), 'ff_pipeline') AS negative_sum
FROM (VALUES ('closed_won'::funnel.sales_stage, -1.25::numeric), ('closed_won', -3)) v(s, a);
SELECT funnel.avg_deal_size(p), funnel.deal_count(p) FROM ff_pipeline;

-- 4. A stored sum whose number is too large for numeric ("2:3.5e1970000") raised 22003
--    from numeric_in, where malformed text input of our types is 22P02 (numeric_in's
--    message becomes the detail)
--    (found by the pipeline_flow_in harness; funnel.pipeline had the same bug).
SELECT pg_temp.try($$SELECT '{"version":1,"type":"funnel.sales_stage","p":null,"stages":[["closed_won",2,"2:3.5e1970000"]],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}'::funnel.pipeline$$) AS pipeline_sum_overflow;
SELECT pg_temp.try($$SELECT '{"version":1,"kind":"as_of","type":"funnel.sales_stage","amounts":true,"from":791683200000000,"to":791683200000000,"window":null,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[[0,"lead",1,"1:1e197012345678","0"]]}'::funnel.pipeline_flow$$) AS flow_sum_overflow;
SELECT pg_temp.try($$SELECT '{"version":1,"kind":"as_of","type":"funnel.sales_stage","amounts":true,"from":791683200000000,"to":791683200000000,"window":null,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[[0,"lead",1,"1:1e-197012345678","0"]]}'::funnel.pipeline_flow$$) AS flow_sum_underflow;

-- 5. "amounts": null in the text form of pipeline_flow read a missing value: a NULL
--    pointer dereference, the backend crashed (found by the pipeline_flow_in harness
--    under UBSan after 6.5 million inputs).  Now 22P02 like any other wrong field.
SELECT pg_temp.try($$SELECT '{"version":1,"kind":"waterfall","type":"funnel.sales_stage","amounts":null,"from":5800,"to":79,"changes":[0,1,0,0,1,0,1,0,1,1,1],"entries":[]}'::funnel.pipeline_flow$$) AS flow_amounts_null;
SELECT pg_temp.try($$SELECT '{"version":1,"kind":"as_of","type":null,"amounts":null,"from":0,"to":0,"window":null,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[]}'::funnel.pipeline_flow$$) AS flow_amounts_null_untyped;
