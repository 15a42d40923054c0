# FunnelCatalog.pm: what extension funnel put into a database, as sorted text
# lines, so that two databases (an updated one and a fresh install, or one
# cluster before and after pg_upgrade) can be compared line by line.
#
# catalog_lines($node, $db) returns one line per fact, "kind identity: fact":
#   member     every object of the extension (pg_describe_object of its
#              pg_depend rows, as \dx+ funnel lists them)
#   function   pg_get_functiondef, owner and ACL of every function/procedure
#   aggregate  every pg_aggregate field (functions as regprocedure), the
#              signature, parallel safety, strictness, owner and ACL
#   type       every pg_type field that a definition sets, enum labels in
#              sort order, composite and domain details
#   relation   kind, columns, constraints, indexes, triggers, policies, view
#              definition, ACL, owner, options; config-dump condition
#   operator, cast, event trigger, schema, comment, extension
# OIDs never appear (they differ between databases); names do.
#
# catalog_diff(\@a, \@b) returns the lines only in a ("- ") or only in b ("+ ").

package FunnelCatalog;

use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw(catalog_lines catalog_diff);

my $catalog_sql = <<'SQL';
WITH ext AS (
  SELECT oid, extnamespace, extconfig, extcondition, extrelocatable, extowner
  FROM pg_extension WHERE extname = 'funnel'),
mem AS (
  SELECT d.classid, d.objid, d.objsubid FROM pg_depend d, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
f AS (
  SELECT p.* , p.oid AS poid FROM pg_proc p JOIN mem ON mem.classid = 'pg_proc'::regclass AND mem.objid = p.oid),
t AS (
  SELECT y.*, y.oid AS toid FROM pg_type y JOIN mem ON mem.classid = 'pg_type'::regclass AND mem.objid = y.oid),
r AS (
  SELECT c.*, c.oid AS roid FROM pg_class c JOIN mem ON mem.classid = 'pg_class'::regclass AND mem.objid = c.oid),
lines(line) AS (
  SELECT 'member ' || pg_describe_object(classid, objid, objsubid) FROM mem
  UNION ALL
  SELECT 'extension funnel: schema ' || extnamespace::regnamespace || ', relocatable ' || extrelocatable
  FROM ext
  UNION ALL
  SELECT 'extension funnel: config ' || c::regclass || ' where ' || coalesce(ext.extcondition[i], '')
  FROM ext, unnest(ext.extconfig) WITH ORDINALITY AS u(c, i)
  UNION ALL
  SELECT 'schema ' || n.nspname || ': owner super ' || ro.rolsuper || ', acl '
         || coalesce(regexp_replace(n.nspacl::text, '=([a-zA-Z]*)/[a-z_0-9]+', '=\1/owner', 'g'), 'default')
  FROM ext JOIN pg_namespace n ON n.oid = ext.extnamespace JOIN pg_roles ro ON ro.oid = n.nspowner
  UNION ALL
  SELECT 'function ' || poid::regprocedure || ': ' || pg_get_functiondef(poid)
  FROM f WHERE prokind IN ('f', 'p', 'w')
  UNION ALL
  SELECT 'function ' || poid::regprocedure || ': owner ' || pg_get_userbyid(proowner)
         || ', acl ' || coalesce(proacl::text, 'default')
  FROM f
  UNION ALL
  SELECT 'aggregate ' || a.aggfnoid::regprocedure || ': ' || concat_ws(', ',
           'kind ' || a.aggkind::text, 'direct args ' || a.aggnumdirectargs,
           'returns ' || pg_get_function_result(a.aggfnoid),
           'args ' || pg_get_function_arguments(a.aggfnoid),
           'sfunc ' || a.aggtransfn::oid::regprocedure,
           'finalfunc ' || nullif(a.aggfinalfn::oid, 0)::regprocedure,
           'combinefunc ' || nullif(a.aggcombinefn::oid, 0)::regprocedure,
           'serialfunc ' || nullif(a.aggserialfn::oid, 0)::regprocedure,
           'deserialfunc ' || nullif(a.aggdeserialfn::oid, 0)::regprocedure,
           'msfunc ' || nullif(a.aggmtransfn::oid, 0)::regprocedure,
           'minvfunc ' || nullif(a.aggminvtransfn::oid, 0)::regprocedure,
           'mfinalfunc ' || nullif(a.aggmfinalfn::oid, 0)::regprocedure,
           'finalfunc_extra ' || a.aggfinalextra, 'mfinalfunc_extra ' || a.aggmfinalextra,
           'finalfunc_modify ' || a.aggfinalmodify::text, 'mfinalfunc_modify ' || a.aggmfinalmodify::text,
           'sortop ' || nullif(a.aggsortop, 0)::regoperator,
           'stype ' || a.aggtranstype::regtype, 'sspace ' || a.aggtransspace,
           'mstype ' || nullif(a.aggmtranstype, 0)::regtype, 'msspace ' || a.aggmtransspace,
           'initcond ' || a.agginitval, 'minitcond ' || a.aggminitval,
           'parallel ' || f.proparallel::text, 'strict ' || f.proisstrict, 'volatility ' || f.provolatile::text,
           'owner ' || pg_get_userbyid(f.proowner), 'acl ' || coalesce(f.proacl::text, 'default'))
  FROM pg_aggregate a JOIN f ON f.poid = a.aggfnoid
  UNION ALL
  SELECT 'type ' || toid::regtype || ': ' || concat_ws(', ',
           'type ' || typtype::text, 'category ' || typcategory::text, 'preferred ' || typispreferred,
           'len ' || typlen, 'byval ' || typbyval, 'align ' || typalign::text, 'storage ' || typstorage::text,
           'delim ' || typdelim::text, 'relation ' || nullif(typrelid, 0)::regclass,
           'element ' || nullif(typelem, 0)::regtype, 'array ' || nullif(typarray, 0)::regtype,
           'subscript ' || nullif(typsubscript::oid, 0)::regprocedure,
           'input ' || typinput::oid::regprocedure, 'output ' || typoutput::oid::regprocedure,
           'receive ' || nullif(typreceive::oid, 0)::regprocedure,
           'send ' || nullif(typsend::oid, 0)::regprocedure,
           'typmod_in ' || nullif(typmodin::oid, 0)::regprocedure,
           'typmod_out ' || nullif(typmodout::oid, 0)::regprocedure,
           'analyze ' || nullif(typanalyze::oid, 0)::regprocedure,
           'not null ' || typnotnull, 'base ' || nullif(typbasetype, 0)::regtype,
           'typmod ' || typtypmod, 'ndims ' || typndims,
           'collation ' || nullif(typcollation, 0)::regcollation, 'default ' || typdefault,
           'owner ' || pg_get_userbyid(typowner), 'acl ' || coalesce(typacl::text, 'default'),
           'labels ' || (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = toid),
           'constraints ' || (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname)
                              FROM pg_constraint WHERE contypid = toid))
  FROM t
  UNION ALL
  SELECT 'relation ' || roid::regclass || ': ' || concat_ws(', ',
           'kind ' || relkind::text, 'persistence ' || relpersistence::text, 'owner ' || pg_get_userbyid(relowner),
           'acl ' || coalesce(relacl::text, 'default'), 'options ' || reloptions::text,
           'row security ' || relrowsecurity || '/' || relforcerowsecurity,
           'view ' || CASE WHEN relkind IN ('v', 'm') THEN pg_get_viewdef(roid) END)
  FROM r
  UNION ALL
  SELECT 'relation ' || a.attrelid::regclass || ': column ' || a.attnum || ' ' || a.attname || ' '
         || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
         || coalesce(' collate ' || nullif(a.attcollation, 0)::regcollation, '')
         || coalesce(' acl ' || a.attacl::text, '')
  FROM r JOIN pg_attribute a ON a.attrelid = r.roid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  UNION ALL
  SELECT 'relation ' || conrelid::regclass || ': constraint ' || conname || ' ' || pg_get_constraintdef(c.oid)
  FROM pg_constraint c JOIN r ON r.roid = c.conrelid
  UNION ALL
  SELECT 'relation ' || i.indrelid::regclass || ': index ' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN r ON r.roid = i.indrelid
  UNION ALL
  SELECT 'relation ' || g.tgrelid::regclass || ': trigger ' || pg_get_triggerdef(g.oid) || ' enabled ' || g.tgenabled::text
  FROM pg_trigger g JOIN r ON r.roid = g.tgrelid WHERE NOT g.tgisinternal
  UNION ALL
  SELECT 'relation ' || p.polrelid::regclass || ': policy ' || p.polname || ' ' || p.polcmd::text || ' '
         || coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' / ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
  FROM pg_policy p JOIN r ON r.roid = p.polrelid
  UNION ALL
  SELECT 'operator ' || o.oid::regoperator || ': ' || concat_ws(', ', 'function ' || o.oprcode::oid::regprocedure,
           'commutator ' || nullif(o.oprcom, 0)::regoperator, 'negator ' || nullif(o.oprnegate, 0)::regoperator,
           'restrict ' || nullif(o.oprrest::oid, 0)::regprocedure, 'join ' || nullif(o.oprjoin::oid, 0)::regprocedure,
           'hashes ' || o.oprcanhash, 'merges ' || o.oprcanmerge)
  FROM pg_operator o JOIN mem ON mem.classid = 'pg_operator'::regclass AND mem.objid = o.oid
  UNION ALL
  SELECT 'cast (' || format_type(c.castsource, NULL) || ' as ' || format_type(c.casttarget, NULL) || '): '
         || concat_ws(', ', 'function ' || nullif(c.castfunc, 0)::regprocedure, 'context ' || c.castcontext::text,
                      'method ' || c.castmethod::text)
  FROM pg_cast c JOIN mem ON mem.classid = 'pg_cast'::regclass AND mem.objid = c.oid
  UNION ALL
  SELECT 'event trigger ' || e.evtname || ': ' || concat_ws(', ', 'event ' || e.evtevent,
           'function ' || e.evtfoid::regprocedure, 'enabled ' || e.evtenabled::text, 'tags ' || e.evttags::text,
           'owner super ' || (SELECT rolsuper FROM pg_roles WHERE oid = e.evtowner))
  FROM pg_event_trigger e JOIN mem ON mem.classid = 'pg_event_trigger'::regclass AND mem.objid = e.oid
  UNION ALL
  SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ': ' || d.description
  FROM pg_description d JOIN mem ON mem.classid = d.classoid AND mem.objid = d.objoid
  UNION ALL
  SELECT 'comment extension funnel: ' || d.description
  FROM pg_description d, ext WHERE d.classoid = 'pg_extension'::regclass AND d.objoid = ext.oid
)
SELECT replace(line, E'\n', E'\n    ') FROM lines ORDER BY line COLLATE "C";
SQL

# The extension's catalog in database $db of $node, as a list of lines.
sub catalog_lines
{
	my ($node, $db) = @_;
	my $out = $node->safe_psql($db, $catalog_sql);
	# a function definition spans lines: keep each fact on one line for the diff
	$out =~ s/\n    /\\n/g;
	return [ split /\n/, $out ];
}

# Lines only in the first list ("- ") or only in the second ("+ "), sorted.
sub catalog_diff
{
	my ($a, $b) = @_;
	my (%in_a, %in_b);
	$in_a{$_}++ for @$a;
	$in_b{$_}++ for @$b;
	my @d;
	push @d, map { "- $_" } grep { !$in_b{$_} } @$a;
	push @d, map { "+ $_" } grep { !$in_a{$_} } @$b;
	return join("\n", @d);
}

1;
