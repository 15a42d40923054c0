// test/clients/node_client.js: what Node's pg (node-postgres, from npm) receives from funnel.
//
// Reads every result shape the extension returns from a database loaded with
// test/clients/fixture.sql and asserts the JavaScript value pg makes of it.
// Connection: the usual PGHOST/PGPORT/PGUSER/PGDATABASE. Output: TAP.
// README, "Clients", documents what is asserted here.
'use strict';
const assert = require('assert');
const pg = require('pg');
const pgVersion = require('pg/package.json').version;

const results = [];
function check(name, got, expected) {
  let ok = true;
  try { assert.deepStrictEqual(got, expected); } catch (e) { ok = false; }
  results.push({ ok, name, got, expected });
}

// pg's interval objects (postgres-interval) compare by their fields
const iv = (v) => (v === null ? null : { ...v });

async function main() {
  const client = new pg.Client();   // reads PGHOST etc.
  await client.connect();
  try {
    // a stage_report row set: int and float8 -> number, bigint -> string (!), interval -> object
    let r = await client.query(`
      SELECT r.* FROM (SELECT funnel.summary(j) AS s
                       FROM (SELECT funnel.journey(to_stage, changed_at) AS j
                             FROM lead_history GROUP BY id) e) c,
                      funnel.stage_report(c.s) r`);
    check('stage_report columns', r.fields.map((f) => f.name),
      ['position', 'stage', 'reached', 'entered', 'conversion_from_previous',
        'conversion_from_top', 'drop_off', 'median_time_in_stage', 'in_progress']);
    const row = r.rows[1];
    check('stage_report row 2', { ...row, median_time_in_stage: iv(row.median_time_in_stage) },
      { position: 2, stage: 'qualified', reached: '4', entered: '3', conversion_from_previous: 0.8,
        conversion_from_top: 0.8, drop_off: '1', median_time_in_stage: { days: 5, hours: 12 },
        in_progress: '1' });
    check('stage_report outcome row: NULLs are null', r.rows[4],
      { position: 5, stage: 'closed_won', reached: '2', entered: '2', conversion_from_previous: null,
        conversion_from_top: 0.4, drop_off: null, median_time_in_stage: null, in_progress: null });
    check('stage_report: interval converts to ISO 8601', row.median_time_in_stage.toISOString(), 'P0Y0M5DT12H0M0S');

    // a stored state: its text form, a JSON document; sent back as a parameter it is the same value
    r = await client.query('SELECT funnel.pipeline(stage, amount, created_at, closed_at) AS p FROM deal');
    const state = r.rows[0].p;
    check('stored funnel.pipeline arrives as string', typeof state, 'string');
    check('its text is JSON naming the funnel', JSON.parse(state).type, 'funnel.sales_stage');
    r = await client.query('SELECT funnel.deal_count($1::funnel.pipeline) AS deals, funnel.won_count($1::funnel.pipeline) AS won', [state]);
    check('the string sent back as a parameter reads the same', r.rows[0], { deals: '2', won: '1' });

    // an enum stage: string
    r = await client.query("SELECT funnel.next_stage('proposal'::funnel.sales_stage) AS s");
    check('enum stage arrives as string', r.rows[0].s, 'negotiation');

    // interval[]: array of interval objects
    r = await client.query(`SELECT funnel.window_funnel_times('1 hour', at, event = 'visit', event = 'signup',
                                                              event = 'trial', event = 'purchase') AS t
                            FROM app_event`);
    check('interval[] arrives as array of interval objects', r.rows[0].t.map(iv), [{}, { minutes: 10 }, { minutes: 25 }]);

    // bool[]: array of booleans
    r = await client.query(`SELECT funnel.retention(at::date = '2025-03-01', at::date = '2025-03-02',
                                                    at::date = '2025-03-03') AS r FROM app_event`);
    check('bool[] arrives as array of booleans', r.rows[0].r, [true, false, true]);

    // text[]: array of strings
    r = await client.query('SELECT funnel.path(funnel.journey(to_stage, changed_at)) AS p FROM lead_history WHERE id = 1');
    check('text[] arrives as array of strings', r.rows[0].p, ['lead', 'qualified', 'proposal', 'closed_won']);

    // an enum array: pg does not know the array type of an enum, so it arrives as the array's
    // text; cast to text[] in SQL, or give pg a parser for the type's OID
    const sql = 'SELECT array_agg(to_stage ORDER BY changed_at) AS a FROM lead_history WHERE id = 2';
    r = await client.query(sql);
    check('enum array arrives as its text', r.rows[0].a, '{lead,qualified,closed_lost}');
    r = await client.query('SELECT array_agg(to_stage ORDER BY changed_at)::text[] AS a FROM lead_history WHERE id = 2');
    check('enum array cast to text[] arrives as array', r.rows[0].a, ['lead', 'qualified', 'closed_lost']);
    r = await client.query("SELECT 'funnel.sales_stage[]'::regtype::oid AS oid");
    const arrayOid = Number(r.rows[0].oid);
    const textArray = pg.types.getTypeParser(1009);   // text[]'s parser
    r = await client.query({ text: sql, types: { getTypeParser: (oid, fmt) => (oid === arrayOid ? textArray : pg.types.getTypeParser(oid, fmt)) } });
    check('enum array with a parser for its OID arrives as array', r.rows[0].a, ['lead', 'qualified', 'closed_lost']);

    // bigint counts: strings (a bigint may not fit a JS number); numeric: string; float8: number
    const q = `SELECT funnel.deal_count(p) AS n, funnel.open_value(p) AS v, funnel.win_rate(p) AS w
               FROM (SELECT funnel.pipeline(stage, amount, created_at, closed_at) AS p FROM deal) s`;
    r = await client.query(q);
    check('bigint count arrives as string', r.rows[0].n, '2');
    check('numeric arrives as string', r.rows[0].v, '2500.00');
    check('float8 arrives as number', r.rows[0].w, 1);
    r = await client.query({ text: q, types: { getTypeParser: (oid, fmt) => (oid === 20 ? BigInt : pg.types.getTypeParser(oid, fmt)) } });
    check('bigint with BigInt as its parser arrives as bigint', r.rows[0].n, 2n);
    r = await client.query(q.replace('funnel.deal_count(p)', 'funnel.deal_count(p)::int'));
    check('bigint cast to int in SQL arrives as number', r.rows[0].n, 2);

    // an error: SQLSTATE, message, detail, hint, schema, table, column
    let err = null;
    try { await client.query("UPDATE deal SET stage = 'proposal' WHERE id = 1"); } catch (e) { err = e; }
    check('illegal move raises a DatabaseError', err && err.constructor.name, 'DatabaseError');
    if (err) {
      check('error fields', {
        code: err.code, message: err.message, detail: err.detail, hint: err.hint,
        schema: err.schema, table: err.table, column: err.column,
      }, {
        code: '23514',
        message: 'illegal stage change from "closed_won" to "proposal" in column "stage" of relation "deal"',
        detail: 'Key (id)=(1). The deal is won and the funnel does not allow reopening. No move out of "closed_won" is allowed.',
        hint: "If the move is legitimate, allow it with funnel.allow_transition('closed_won'::funnel.sales_stage, 'proposal'::funnel.sales_stage).",
        schema: 'public', table: 'deal', column: 'stage',
      });
    }
  } finally {
    await client.end();
  }
}

main().then(() => {
  console.log(`1..${results.length}`);
  results.forEach((t, i) => {
    console.log(`${t.ok ? 'ok' : 'not ok'} ${i + 1} - pg ${pgVersion}: ${t.name}`);
    if (!t.ok) {
      const show = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));
      console.log(`#   got:      ${show(t.got)}\n#   expected: ${show(t.expected)}`);
    }
  });
  process.exit(results.every((t) => t.ok) ? 0 : 1);
}, (e) => {
  console.log('1..1');
  console.log(`not ok 1 - pg ${pgVersion}: ${e.stack.split('\n').join('\n# ')}`);
  process.exit(1);
});
