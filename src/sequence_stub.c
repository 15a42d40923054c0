/*
 * sequence_stub.c
 *		Placeholder for sequence.c (being written on branch seq): lets the
 *		module load until then.  Removed when sequence.c lands.
 */
#include "postgres.h"

#include "fmgr.h"

#include "events.h"

void
sequence_pattern_check(const char *pattern, int len, int nconds)
{
}

PG_FUNCTION_INFO_V1(sequence_match_final);
Datum
sequence_match_final(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("sequence_match is not built yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(sequence_count_final);
Datum
sequence_count_final(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("sequence_count is not built yet")));
	PG_RETURN_NULL();
}
